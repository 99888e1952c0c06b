package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.ColdStart;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A node on the iptables driver does not map libnftables (its memory and its load at the start are for nodes that
 * use it); a node on the nftables driver does, and programs its endpoint. Each runs the agent's first pass in a JVM
 * of its own ({@link FirstPass}), whose mapped files tell.
 */
@Tag("kernel")
class NftablesLibraryKernelTest {
    private static final String PREFIX = System.getenv().getOrDefault("JCALICO_TEST_NS_PREFIX", "") + "jct-nftlib-";

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @AfterAll
    static void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void onlyANodeOnTheNftablesDriverMapsTheLibrary(DataplaneDriver driver) {
        String namespace = PREFIX + driver.name().toLowerCase();
        CommandRunner host = Namespaces.create(namespace);
        host.run(List.of("ip", "link", "add", "jcA", "type", "veth", "peer", "name", "pjcA")).check();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CommandRunner.Result run = CommandRunner.local().run(List.of(java, "-cp", System.getProperty("java.class.path"),
                FirstPass.class.getName(), namespace, driver.name()));
        assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
        assertTrue(run.stdout().contains("failures {}"), run.stdout());
        assertTrue(run.stdout().contains("libnftables mapped " + (driver == DataplaneDriver.NFTABLES)), run.stdout());
        String rules = driver == DataplaneDriver.IPTABLES ? host.run(List.of("iptables-save")).check().stdout()
                : host.run(List.of("nft", "list", "table", "ip", "jcalico")).check().stdout();
        assertTrue(rules.contains("jc-fw-jcA"), rules);
        Namespaces.delete(namespace);
    }

    /** The agent's first pass on an empty kernel with one endpoint (jcA), then whether this JVM maps libnftables. */
    static final class FirstPass {
        public static void main(String[] args) throws Exception {
            Snapshot snapshot = ColdStartKernelTest.snapshot(DataplaneDriver.valueOf(args[1]), "jcA");
            Dataplane dataplane = new Dataplane(CommandRunner.inNamespace(args[0]));
            Map<String, String> failures = new java.util.TreeMap<>(dataplane.start().failures());
            failures.putAll(dataplane.resync(() -> ColdStart.guard(snapshot), () -> new HostStateCalculator().calculate(snapshot))
                    .failures());
            System.out.println("failures " + failures);
            System.out.println("libnftables mapped " + Files.readString(Path.of("/proc/self/maps")).contains("libnftables"));
        }
    }
}
