package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * rtnetlink in-process ({@link Rtnetlink}) against the real kernel, in "jcpn-nl" namespaces: routes land in their
 * runner's namespace and nowhere else, each refusal comes back under its request with the kernel's words, and batches
 * and dumps of thousands of routes go through. A route is written only to an interface that exists in the right
 * namespace alone (in any other, the root namespace included, the request would be refused) until the namespace is
 * proven; the root namespace is only read.
 */
@Tag("kernel")
class RtnetlinkKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcpn-nl");
    private static final int PROTO = 98;

    @BeforeAll
    static void clean() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    /** A namespace of its own for each test, with a veth pair, both ends up, whose host end is {@code device}. */
    private static CommandRunner host(String name, String device) {
        CommandRunner host = Namespaces.create(PREFIX + name);
        host.run("ip", "link", "add", device, "type", "veth", "peer", "name", device + "p").check();
        host.run("ip", "link", "set", device, "up").check();
        host.run("ip", "link", "set", device + "p", "up").check();
        return host;
    }

    @AfterAll
    static void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    @Test
    void aRouteLandsInItsRunnersNamespaceAndNotInTheRootOrAnother() {
        CommandRunner first = host("a", "jcpnA");
        CommandRunner second = host("b", "jcpnB");
        Rtnetlink inFirst = first.rtnetlink();
        Rtnetlink inSecond = second.rtnetlink();
        assertTrue(inFirst.links().containsKey("jcpnA"));
        assertFalse(inFirst.links().containsKey("jcpnB"), "the first namespace's links are its own");
        assertEquals(Map.of(), inFirst.change(PROTO, List.of(add("10.71.0.1/32", "jcpnA"))));
        assertEquals(Map.of(), inSecond.change(PROTO, List.of(add("10.71.0.2/32", "jcpnB"))));
        // a device of the other namespace is not found in this one
        assertEquals(Map.of(0, "Cannot find device \"jcpnB\""), inFirst.change(PROTO, List.of(add("10.71.0.3/32", "jcpnB"))));

        assertEquals("10.71.0.1 dev jcpnA scope link", ip(first, "-4").strip());
        assertEquals("10.71.0.2 dev jcpnB scope link", ip(second, "-4").strip());
        assertFalse(CommandRunner.local().run("ip", "-4", "route", "show", "proto", "98").stdout().contains("10.71."),
                "the root namespace holds no route of these");
        assertEquals(List.of(route("10.71.0.1/32", "jcpnA")), inFirst.routes(PROTO));
        assertEquals(Map.of(), inFirst.change(PROTO, List.of(delete("10.71.0.1/32", "jcpnA"))));
        assertEquals(List.of(), inFirst.routes(PROTO));
    }

    @Test
    void eachRefusalComesBackUnderItsRequestInTheKernelsWords() {
        CommandRunner first = host("c", "jcpnA");
        Rtnetlink netlink = first.rtnetlink();
        // another protocol's route: never replaced, never deleted
        first.run("ip", "route", "add", "10.72.0.9/32", "dev", "jcpnA", "proto", "static").check();
        Map<Integer, String> refused = netlink.change(PROTO, List.of(add("10.72.0.1/32", "jcpnA"), add("10.72.0.1/32", "jcpnA"),
                delete("10.72.0.2/32", "jcpnA"), add("10.72.0.3/32", "jcpnNOPE"), add("10.72.0.9/32", "jcpnA"),
                delete("10.72.0.9/32", "jcpnA"), add("fd72::1/128", "jcpnA"), add("fd72::1/128", "jcpnA"),
                blackhole("10.72.1.0/26"), unreachable("fd72:1::/122")));
        assertEquals(Map.of(1, "File exists", 2, "No such process", 3, "Cannot find device \"jcpnNOPE\"",
                4, "File exists", 5, "No such process", 7, "File exists"), refused);
        assertTrue(first.run("ip", "-4", "route", "show", "10.72.0.9").check().stdout().contains("proto static"),
                "the static route stays");
        assertEquals(Set.of(route("10.72.0.1/32", "jcpnA"), route("fd72::1/128", "jcpnA"), blackhole("10.72.1.0/26").route(),
                unreachable("fd72:1::/122").route()), new HashSet<>(netlink.routes(PROTO)));
        assertEquals(Map.of(), netlink.change(PROTO, List.of(delete("10.72.0.1/32", "jcpnA"), delete("fd72::1/128", "jcpnA"),
                new Rtnetlink.RouteChange(false, blackhole("10.72.1.0/26").route()),
                new Rtnetlink.RouteChange(false, unreachable("fd72:1::/122").route()))));
        assertEquals(List.of(), netlink.routes(PROTO));
    }

    @Test
    void eachBatchAndDumpCountsAsARunAndABatchWithARefusalAsAFailedOne() {
        List<String> runs = new ArrayList<>();
        CommandRunner host = host("f", "jcpnA");
        Rtnetlink netlink = CommandRunner.inNamespace(PREFIX + "f").observedBy((tool, ok) -> runs.add(tool + " " + ok)).rtnetlink();
        netlink.change(PROTO, List.of(add("10.75.0.1/32", "jcpnA")));
        netlink.change(PROTO, List.of(add("10.75.0.1/32", "jcpnA")));
        netlink.routes(PROTO);
        netlink.change(PROTO, List.of());
        netlink.links();
        netlink.linksUp(List.of("jcpnNOPE"));
        assertEquals(List.of("rtnetlink true", "rtnetlink false", "rtnetlink true", "rtnetlink true", "rtnetlink false"),
                runs, "an empty batch is no run; a dump that lists links went well");
        assertTrue(ip(host, "-4").contains("10.75.0.1"));
    }

    @Test
    void anInterfaceMadeAgainUnderTheSameNameIsFoundByItsNewIndex() {
        CommandRunner first = host("d", "jcpnA");
        Rtnetlink netlink = first.rtnetlink();
        first.run("ip", "link", "add", "jcpnR", "type", "veth", "peer", "name", "jcpnR2").check();
        assertEquals(Map.of(), netlink.linksUp(List.of("jcpnR")));
        assertTrue(netlink.links().get("jcpnR").up(), "jcpnR is up");
        assertEquals(Map.of(), netlink.change(PROTO, List.of(add("10.73.0.1/32", "jcpnR"))));
        first.run("ip", "link", "del", "jcpnR").check();
        first.run("ip", "link", "add", "jcpnR", "type", "veth", "peer", "name", "jcpnR2").check();
        assertFalse(netlink.links().get("jcpnR").up(), "made again, jcpnR is down");
        assertEquals(Map.of(1, "No such device"), netlink.linksUp(List.of("jcpnR", "jcpnNOPE")));
        assertEquals(Map.of(), netlink.change(PROTO, List.of(add("10.73.0.2/32", "jcpnR"))));
        assertEquals(List.of(route("10.73.0.2/32", "jcpnR")), netlink.routes(PROTO));
    }

    @Test
    void batchesAndDumpsOfThousandsOfRoutes() {
        CommandRunner first = host("e", "jcpnA");
        Rtnetlink netlink = first.rtnetlink();
        List<Rtnetlink.RouteChange> additions = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            additions.add(add("10.74." + i / 250 + "." + i % 250 + "/32", "jcpnA"));
        }
        assertEquals(Map.of(), netlink.change(PROTO, additions));
        assertEquals(2000, ip(first, "-4").lines().count(), "routes added");
        // 3,000 more written by ip, and a dump reads all 5,000 back, none of another protocol
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            batch.append("route add fd74::").append(Integer.toHexString(i)).append("/128 dev jcpnA proto 98\n");
        }
        batch.append("route add fd74:1::/64 dev jcpnA proto static\n");
        first.run(List.of("ip", "-batch", "-"), batch.toString()).check();
        List<Rtnetlink.Route> routes = netlink.routes(PROTO);
        assertEquals(5000, routes.size(), "routes dumped");
        assertEquals(5000, new HashSet<>(routes).size());

        // a batch whose socket is closed mid-way: its answers are lost, which is said; the next batch has a fresh socket
        List<Rtnetlink.RouteChange> deletions = additions.stream().map(change -> new Rtnetlink.RouteChange(false, change.route()))
                .toList();
        netlink.closeMidBatch(300);
        assertThrows(Rtnetlink.Interrupted.class, () -> netlink.change(PROTO, deletions));
        assertEquals(1700, ip(first, "-4").lines().count(), "the 300 sent before the socket closed were deleted");
        Map<Integer, String> refused = netlink.change(PROTO, deletions);
        assertEquals(300, refused.size());
        assertEquals(Set.of("No such process"), Set.copyOf(refused.values()));
        assertEquals(3000, netlink.routes(PROTO).size());
    }

    private static String ip(CommandRunner runner, String family) {
        return runner.run("ip", family, "route", "show", "proto", "98").check().stdout();
    }

    private static Rtnetlink.RouteChange add(String cidr, String device) {
        return new Rtnetlink.RouteChange(true, route(cidr, device));
    }

    private static Rtnetlink.RouteChange delete(String cidr, String device) {
        return new Rtnetlink.RouteChange(false, route(cidr, device));
    }

    private static Rtnetlink.RouteChange blackhole(String cidr) {
        return new Rtnetlink.RouteChange(true, typed(cidr, Rtnetlink.Type.BLACKHOLE));
    }

    private static Rtnetlink.RouteChange unreachable(String cidr) {
        return new Rtnetlink.RouteChange(true, typed(cidr, Rtnetlink.Type.UNREACHABLE));
    }

    private static Rtnetlink.Route route(String cidr, String device) {
        String[] parts = cidr.split("/");
        return new Rtnetlink.Route(InetAddress.ofLiteral(parts[0]), Integer.parseInt(parts[1]), Rtnetlink.Type.UNICAST, device);
    }

    private static Rtnetlink.Route typed(String cidr, Rtnetlink.Type type) {
        String[] parts = cidr.split("/");
        return new Rtnetlink.Route(InetAddress.ofLiteral(parts[0]), Integer.parseInt(parts[1]), type, null);
    }
}
