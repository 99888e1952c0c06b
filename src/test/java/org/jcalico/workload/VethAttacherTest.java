package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class VethAttacherTest {
    private static final String PREFIX = TestNamespaces.named("jct-wl-veth-");
    private static final String HOST_NS = PREFIX + "host";
    private static final String CONTAINER_NS = PREFIX + "ctr";
    private static final String HOST_IF = "jcwtest0";
    private static final Cidr V4 = Cidr.parse("10.65.0.5/32");
    private static final Cidr V6 = Cidr.parse("fd00:65::5/128");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ContainerResolver resolver = new ContainerResolver(DockerClient.fromDockerHost(null));
    private CommandRunner host;
    private CommandRunner container;
    private VethAttacher attacher;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @BeforeEach
    void createNamespaces() {
        host = TestHost.create(HOST_NS);
        container = Namespaces.create(CONTAINER_NS);
        attacher = new VethAttacher(host);
    }

    @AfterEach
    void deleteNamespaces() {
        Namespaces.delete(CONTAINER_NS);
        Namespaces.delete(HOST_NS);
    }

    @Test
    void attachesBothFamiliesAndCarriesTrafficBothWays() throws IOException {
        long start = System.nanoTime();
        Attachment attachment = attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4, V6));
        System.out.printf("attach (IPv4 + IPv6): %.1f ms%n", (System.nanoTime() - start) / 1e6);

        assertEquals(HOST_IF, attachment.hostInterface());
        assertEquals("eth0", attachment.containerInterface());
        assertEquals(json(container, "ip", "-j", "link", "show", "dev", "eth0").path(0).path("address").asText(),
                attachment.mac());
        assertTrue(attachment.mac().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"), attachment.mac());
        assertEquals(VethAttacher.HOST_MAC, json(host, "ip", "-j", "link", "show", "dev", HOST_IF).path(0).path("address").asText());
        assertEquals(Set.of("10.65.0.5/32", "fd00:65::5/128"), globalAddresses(container, "eth0"));
        assertTrue(isUp(container, "lo") && isUp(container, "eth0") && isUp(host, HOST_IF));
        assertEquals(Set.of("default via 169.254.1.1 dev eth0", "169.254.1.1 dev eth0 scope link"), routes(container, "-4"));
        assertEquals(Set.of("default via fe80::ecee:eeff:feee:eeee dev eth0"), defaultRoutes6(container));

        TestHost.program(host, HOST_IF, List.of(V4, V6));
        assertTrue(TestHost.ping(host, "10.65.0.5"), "host to container, IPv4");
        assertTrue(TestHost.ping(host, "fd00:65::5"), "host to container, IPv6");
        assertTrue(TestHost.ping(container, TestHost.IPV4), "container to host, IPv4");
        assertTrue(TestHost.ping(container, TestHost.IPV6), "container to host, IPv6");
    }

    /**
     * The holder runs in the container's namespace only once its launcher has entered it: until then its pid names the
     * root namespace, where the pair's peer would be made (an in-process attach is quick enough to get there first).
     */
    private static void awaitInContainer(long pid) throws IOException {
        String wanted = "net:[" + Files.getAttribute(Path.of("/run/netns", CONTAINER_NS), "unix:ino") + "]";
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!wanted.equals(Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", "net")).toString())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + pid + " did not enter " + CONTAINER_NS + " within 5 s");
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void attachesByPidUnderAnotherName() {
        Process holder = null;
        try {
            holder = new ProcessBuilder(container.command(List.of("sleep", "60"))).start();
            awaitInContainer(holder.pid());
            ContainerNamespace byPid = resolver.resolve("pid:" + holder.pid());
            Attachment attachment = attacher.attach(HOST_IF, byPid, "net1", List.of(V4));
            assertEquals("net1", attachment.containerInterface());
            assertEquals(Set.of("10.65.0.5/32"), globalAddresses(container, "net1"));
            TestHost.program(host, HOST_IF, List.of(V4));
            assertTrue(TestHost.ping(host, "10.65.0.5"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            if (holder != null) {
                holder.destroyForcibly();
            }
        }
    }

    @Test
    void attachesByNetnsPathWithOnlyIpv6() {
        attacher.attach(HOST_IF, resolver.resolve("netns:/run/netns/" + CONTAINER_NS), "eth0", List.of(V6));
        assertEquals(Set.of("fd00:65::5/128"), globalAddresses(container, "eth0"));
        assertEquals(Set.of(), routes(container, "-4"));
        TestHost.program(host, HOST_IF, List.of(V6));
        assertTrue(TestHost.ping(container, TestHost.IPV6));
    }

    @Test
    void aContainerInterfaceInTheWayLeavesNothingBehind() {
        container.run("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "other0").check();
        List<String> before = links(container);
        WorkloadException error = assertThrows(WorkloadException.class,
                () -> attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4)));
        assertEquals("cannot attach netns " + CONTAINER_NS + ": the container already has an interface eth0", error.getMessage());
        assertFalse(TestHost.hasLink(host, HOST_IF));
        assertEquals(before, links(container));
    }

    @Test
    void aTakenHostNameLeavesNothingBehind() {
        host.run("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", "other0").check();
        WorkloadException error = assertThrows(WorkloadException.class,
                () -> attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4)));
        assertEquals("cannot attach netns " + CONTAINER_NS + ": host interface " + HOST_IF + " already exists", error.getMessage());
        assertEquals(List.of("lo"), links(container));
    }

    @Test
    void aFailureHalfWayRemovesThePair() {
        // the second copy of the address fails after the pair exists and the first address is on it
        WorkloadException error = assertThrows(WorkloadException.class,
                () -> attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4, V4)));
        assertEquals("cannot attach netns " + CONTAINER_NS + ": address add 10.65.0.5/32: ipv4: Address already assigned (File exists)", error.getMessage());
        assertEquals(1, error.getMessage().lines().count());
        assertFalse(TestHost.hasLink(host, HOST_IF));
        assertEquals(List.of("lo"), links(container));
    }

    /**
     * A pid or netns that names the host's own namespace (a host process, a typo) must not get the container side's
     * addresses and default routes: that would reroute the host itself.
     */
    @Test
    void theHostsOwnNamespaceIsRefusedBeforeAnythingIsCreated() {
        List<String> before = links(host);
        WorkloadException error = assertThrows(WorkloadException.class,
                () -> attacher.attach(HOST_IF, resolver.resolve("netns:" + HOST_NS), "eth9", List.of(V4)));
        assertEquals("cannot attach netns " + HOST_NS + ": it is the host's own network namespace", error.getMessage());
        assertEquals(before, links(host));
    }

    @Test
    void aVanishedNamespaceIsNamed() {
        ContainerNamespace gone = resolver.resolve("netns:" + CONTAINER_NS);
        Namespaces.delete(CONTAINER_NS);
        WorkloadException error = assertThrows(WorkloadException.class,
                () -> attacher.attach(HOST_IF, gone, "eth0", List.of(V4)));
        assertEquals("cannot attach netns " + CONTAINER_NS + ": its network namespace /run/netns/" + CONTAINER_NS
                + " no longer exists", error.getMessage());
        assertFalse(TestHost.hasLink(host, HOST_IF));
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsCreated() {
        ContainerNamespace target = resolver.resolve("netns:" + CONTAINER_NS);
        assertEquals("address 10.65.0.0/24 is not a single address (/32 or /128)", assertThrows(WorkloadException.class,
                () -> attacher.attach(HOST_IF, target, "eth0", List.of(Cidr.parse("10.65.0.0/24")))).getMessage());
        assertThrows(WorkloadException.class, () -> attacher.attach("sixteen-chars-xx", target, "eth0", List.of(V4)));
        assertThrows(WorkloadException.class, () -> attacher.attach(HOST_IF, target, "eth 0", List.of(V4)));
        assertFalse(TestHost.hasLink(host, HOST_IF));
        assertEquals(List.of("lo"), links(container));
    }

    /** docker's --net=none containers have IPv6 off for new interfaces; the device's own setting is turned on. */
    @Test
    void ipv6WorksWhereTheNamespaceTurnsItOffForNewInterfaces() {
        container.run("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1").check();
        attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4, V6));
        assertEquals(Set.of("10.65.0.5/32", "fd00:65::5/128"), globalAddresses(container, "eth0"));
        TestHost.program(host, HOST_IF, List.of(V4, V6));
        assertTrue(TestHost.ping(container, TestHost.IPV6), "container to host, IPv6");
    }

    /**
     * The container side is configured from a thread that enters the container's namespace: it must not stay there,
     * or the namespace (and the pair with it) would outlive the container.
     */
    @Test
    void nothingKeepsTheContainersNamespaceAliveAfterAnAttach() {
        attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4));
        Namespaces.delete(CONTAINER_NS);
        assertTrue(Eventually.within(5, () -> !TestHost.hasLink(host, HOST_IF)), "the pair went with the namespace");
    }

    /**
     * The host side passes packets when attach returns: an endpoint recorded before the kernel's link watch has run
     * for it gets a route whose first ARP question is dropped and asked again only a second later (VethAttacher
     * says why). Twenty attaches, each asked at once.
     */
    @Test
    void theHostSidePassesPacketsWhenAttachReturns() {
        org.jcalico.kernel.Rtnetlink netlink = host.rtnetlink();
        for (int i = 0; i < 20; i++) {
            attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4));
            assertTrue(netlink.passesPackets(HOST_IF), "attach " + (i + 1) + ": the host side's operational state is up");
            attacher.detach(HOST_IF);
        }
    }

    @Test
    void detachRemovesBothSidesAndMayBeRepeated() {
        attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4, V6));
        attacher.detach(HOST_IF);
        assertFalse(TestHost.hasLink(host, HOST_IF));
        assertEquals(List.of("lo"), links(container));
        attacher.detach(HOST_IF);
    }

    @Test
    void detachAfterTheContainerIsGone() {
        attacher.attach(HOST_IF, resolver.resolve("netns:" + CONTAINER_NS), "eth0", List.of(V4));
        Namespaces.delete(CONTAINER_NS);
        attacher.detach(HOST_IF);
        assertFalse(TestHost.hasLink(host, HOST_IF));
    }

    private static JsonNode json(CommandRunner runner, String... command) {
        try {
            return JSON.readTree(runner.run(command).check().stdout());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> globalAddresses(CommandRunner runner, String device) {
        Set<String> addresses = new TreeSet<>();
        for (JsonNode address : json(runner, "ip", "-j", "address", "show", "dev", device).path(0).path("addr_info")) {
            if (address.path("scope").asText().equals("global")) {
                addresses.add(address.path("local").asText() + "/" + address.path("prefixlen").asInt());
            }
        }
        return addresses;
    }

    private static Set<String> routes(CommandRunner runner, String family) {
        Set<String> routes = new TreeSet<>();
        runner.run("ip", family, "route", "show").check().stdout().lines()
                .map(line -> line.replace(" linkdown", "").strip()).filter(line -> !line.isEmpty()).forEach(routes::add);
        return routes;
    }

    private static Set<String> defaultRoutes6(CommandRunner runner) {
        Set<String> routes = new TreeSet<>();
        for (JsonNode route : json(runner, "ip", "-j", "-6", "route", "show", "default")) {
            routes.add("default via " + route.path("gateway").asText() + " dev " + route.path("dev").asText());
        }
        return routes;
    }

    private static boolean isUp(CommandRunner runner, String device) {
        for (JsonNode flag : json(runner, "ip", "-j", "link", "show", "dev", device).path(0).path("flags")) {
            if (flag.asText().equals("UP")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> links(CommandRunner runner) {
        List<String> names = new ArrayList<>();
        json(runner, "ip", "-j", "link", "show").forEach(link -> names.add(link.path("ifname").asText()));
        return names;
    }
}
