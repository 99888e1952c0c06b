package org.jcalico.felix.dataplane.interfaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Interface settings read and written in one in-process pass over /proc/sys: only what differs is written. */
@Tag("kernel")
class SysctlWriterKernelTest {
    private static final String NAMESPACE = TestNamespaces.named("jcpd-sysctls");
    private final List<String> tools = new CopyOnWriteArrayList<>();
    private CommandRunner host;

    @BeforeEach
    void createHost() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAMESPACE);
        host = Namespaces.create(NAMESPACE);
        for (String name : List.of("jcA", "jcB")) {
            host.run("ip", "link", "add", name, "type", "veth", "peer", "name", "p" + name).check();
        }
    }

    @AfterEach
    void deleteHost() {
        Namespaces.delete(NAMESPACE);
    }

    @Test
    void aNewInterfaceWhoseSettingsHoldAlreadyCostsNoWrite() {
        InterfaceDriver driver = new InterfaceDriver(host);
        EndpointInterface a = new EndpointInterface("jcA", true, true);
        assertEquals(Map.of(), driver.apply(Set.of(a)).failures());

        EndpointInterface b = new EndpointInterface("jcB", true, true);
        Map<String, String> settings = Sysctls.forInterface(b);
        host.run(Sysctls.writeCommand(settings)).check();
        host.run("sysctl", "-w", "net.ipv4.conf.jcB.proxy_arp=0").check();
        Changes changes = driver.apply(Set.of(a, b));
        assertEquals(Map.of(), changes.failures());
        assertEquals(1, changes.count(Change.SYSCTLS_WRITTEN), "only the setting that differed: " + changes);
        assertEquals(1, changes.count(Change.INTERFACES_CONFIGURED));
        settings.forEach((key, value) -> assertEquals(value, sysctl(key), key));
    }

    @Test
    void theReadBackAfterAForgetStartsNoProcessForTheSettings() {
        InterfaceDriver driver = new InterfaceDriver(host.observedBy((tool, ok) -> tools.add(tool)));
        Set<EndpointInterface> endpoints = Set.of(new EndpointInterface("jcA", true, true),
                new EndpointInterface("jcB", true, false));
        assertEquals(Map.of(), driver.apply(endpoints).failures());
        host.run("sysctl", "-w", "net.ipv4.conf.jcB.proxy_arp=0", "net.ipv4.ip_forward=0").check();

        driver.forget();
        tools.clear();
        Changes changes = driver.apply(endpoints);
        assertEquals(Map.of(), changes.failures());
        // ip_forward off turned every interface's forwarding off, and ip_forward written back (first) turns them on
        // again: each setting is read just before its write, so only ip_forward and jcB's proxy_arp are written
        assertEquals(2, changes.count(Change.SYSCTLS_WRITTEN), changes.toString());
        assertEquals(1, changes.count(Change.INTERFACES_CONFIGURED));
        assertEquals("1", sysctl("net.ipv4.conf.jcA.forwarding"));
        assertEquals("1", sysctl("net.ipv4.conf.jcB.proxy_arp"));
        assertEquals("1", sysctl("net.ipv4.ip_forward"));
        // no process at all: the settings' files are read and written in-process, the links read over rtnetlink
        assertEquals(Set.of("procsys", "rtnetlink"), Set.copyOf(tools), "in-process only: " + tools);
    }

    @Test
    void thousandsOfSettingsWrittenOrRefusedGoThroughInOnePass() {
        StringBuilder veths = new StringBuilder();
        Set<EndpointInterface> present = new java.util.HashSet<>();
        for (int i = 0; i < 400; i++) {
            veths.append("link add jcv").append(i).append(" type veth peer name pv").append(i).append('\n');
            present.add(new EndpointInterface("jcv" + i, true, true));
        }
        host.run(List.of("ip", "-batch", "-"), veths.toString()).check();
        InterfaceDriver driver = new InterfaceDriver(host.withTimeout(10));
        Changes cold = driver.apply(present);
        assertEquals(Map.of(), cold.failures());
        assertEquals(400, cold.count(Change.INTERFACES_CONFIGURED));
        assertEquals("1", sysctl("net.ipv4.conf.jcv399.proxy_arp"));

        // interfaces that do not exist: every one of their 4,200 settings is refused, each with the kernel's error
        Set<EndpointInterface> withMissing = new java.util.HashSet<>(present);
        Set<String> missing = new java.util.HashSet<>();
        for (int i = 0; i < 600; i++) {
            withMissing.add(new EndpointInterface("jcgone" + i, true, true));
            missing.add("jcgone" + i);
        }
        Changes refused = driver.apply(withMissing);
        assertEquals(missing, refused.failures().keySet());
        assertTrue(refused.failures().get("jcgone599").contains("/proc/sys/net/"), refused.failures().get("jcgone599"));
        assertTrue(refused.failures().get("jcgone599").contains("No such file or directory"), refused.failures().get("jcgone599"));
    }

    @Test
    void aNamespaceThatCannotBeEnteredGetsNoSettingAnywhere() {
        // the thread that writes must be in the runner's namespace: one that cannot enter it writes nothing at all
        // (not the host's ip_forward instead), and the driver reports why
        String before = CommandRunner.local().run("cat", "/proc/sys/net/ipv4/ip_forward").check().stdout();
        InterfaceDriver driver = new InterfaceDriver(CommandRunner.atPath("/run/netns/jcuc-never-made"));
        Changes changes = driver.start();
        assertTrue(changes.failures().getOrDefault("sysctl", "").contains("cannot open network namespace"), changes.toString());
        assertEquals(0, changes.count(Change.SYSCTLS_WRITTEN));
        assertEquals(before, CommandRunner.local().run("cat", "/proc/sys/net/ipv4/ip_forward").check().stdout());
    }

    @Test
    void aPathThatLeavesProcSysIsRefusedAndNothingIsWritten() {
        java.nio.file.Path escape = java.nio.file.Path.of("/tmp/jcpd-procsys-escape");
        try {
            org.junit.jupiter.api.Assertions.assertThrows(org.jcalico.kernel.KernelException.class,
                    () -> host.procSys().write(java.util.Map.of("/proc/sys/../../tmp/jcpd-procsys-escape", "1")));
            assertFalse(java.nio.file.Files.exists(escape), "nothing written outside /proc/sys");
        } finally {
            escape.toFile().delete();
        }
    }

    private String sysctl(String key) {
        return host.run("sysctl", "-n", key).check().stdout().strip();
    }
}
