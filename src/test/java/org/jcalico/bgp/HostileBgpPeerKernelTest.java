package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.routes.RouteDriver;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BGP peer outside jcalico's control (a router the admin configured, or a node gone rogue) announcing routes meant to
 * pull traffic away: the host route of one of this node's own endpoints, a default route, the node's own address. The
 * node runs the BIRD configuration jcalico renders and the agent's own route driver; the peer is a second real BIRD.
 * Whatever the peer announces, the node's kernel must send a local endpoint's packets to that endpoint and nothing it
 * was not given by the pools to the peer (docs/architecture.md, "What BGP may bring into the kernel").
 */
@Tag("kernel")
class HostileBgpPeerKernelTest {
    private static final String NODE_NAMESPACE = TestNamespaces.named("jchbp-n");
    private static final String PEER_NAMESPACE = TestNamespaces.named("jchbp-p");
    private static final String WORKLOAD_NAMESPACE = TestNamespaces.named("jchbp-w");
    private static final String ENDPOINT_LINK = "jchbpw";
    private static final Cidr POOL4 = Cidr.parse("10.65.0.0/16");
    private static final Cidr POOL6 = Cidr.parse("fd65::/64");
    private static final String HOSTILE = """
            router id 10.0.0.2;
            protocol device { scan time 10; }
            protocol static steal4 { ipv4;
              route 10.65.0.5/32 blackhole; route 10.65.0.9/32 blackhole; route 10.65.0.7/32 blackhole;
              route 10.65.0.11/32 blackhole;
              route 0.0.0.0/0 blackhole; route 10.0.0.1/32 blackhole;
              route 10.65.1.0/26 blackhole; }
            protocol static steal6 { ipv6;
              route fd65::5/128 blackhole; route fd65::9/128 blackhole; route fd65::7/128 blackhole;
              route fd65::b/128 blackhole;
              route ::/0 blackhole; route fd00::1/128 blackhole;
              route fd65::1:0/122 blackhole; }
            protocol bgp to4 { local 10.0.0.2 as 65000; neighbor 10.0.0.1 as 64512; direct; connect delay time 0;
              ipv4 { import none; export all; next hop self; }; }
            protocol bgp to6 { local fd00::2 as 65000; neighbor fd00::1 as 64512; direct; connect delay time 0;
              ipv6 { import none; export all; next hop self; }; }
            """;
    @TempDir Path nodeDir;
    @TempDir Path peerDir;
    private CommandRunner node;
    private CommandRunner peer;
    private BirdDaemon nodeBird;
    private BirdDaemon peerBird;
    private String config;

    @BeforeEach
    void setUp() {
        KernelTests.assumeKernel();
        tearDown();
        node = Namespaces.create(NODE_NAMESPACE);
        peer = Namespaces.create(PEER_NAMESPACE);
        CommandRunner workload = Namespaces.create(WORKLOAD_NAMESPACE);
        node.run("ip", "link", "add", "jchbp-n", "type", "veth", "peer", "name", "jchbp-p", "netns", PEER_NAMESPACE).check();
        node.run("ip", "addr", "add", "10.0.0.1/24", "dev", "jchbp-n").check();
        node.run("ip", "addr", "add", "fd00::1/64", "dev", "jchbp-n", "nodad").check();
        node.run("ip", "link", "set", "jchbp-n", "up").check();
        peer.run("ip", "addr", "add", "10.0.0.2/24", "dev", "jchbp-p").check();
        peer.run("ip", "addr", "add", "fd00::2/64", "dev", "jchbp-p", "nodad").check();
        peer.run("ip", "link", "set", "jchbp-p", "up").check();
        node.run("ip", "link", "add", ENDPOINT_LINK, "type", "veth", "peer", "name", "eth0", "netns", WORKLOAD_NAMESPACE).check();
        node.run("ip", "link", "set", ENDPOINT_LINK, "up").check();
        workload.run("ip", "addr", "add", "10.65.0.5/32", "dev", "eth0").check();
        workload.run("ip", "addr", "add", "fd65::5/128", "dev", "eth0", "nodad").check();
        workload.run("ip", "link", "set", "eth0", "up").check();

        // the endpoint's routes and its block's, as the agent writes them
        var routes = new RouteDriver(node).apply(Set.of(
                RouteSpec.toInterface(Cidr.parse("10.65.0.5/32"), ENDPOINT_LINK),
                RouteSpec.toInterface(Cidr.parse("fd65::5/128"), ENDPOINT_LINK),
                new RouteSpec(Cidr.parse("10.65.0.0/26"), RouteSpec.Type.UNREACHABLE, null),
                new RouteSpec(Cidr.parse("fd65::/122"), RouteSpec.Type.UNREACHABLE, null)));
        assertTrue(routes.failures().isEmpty(), "the agent's routes are in: " + routes);

        Node self = new Node("n1", IpAddress.parse("10.0.0.1"), IpAddress.parse("fd00::1"), null);
        // offset 5 is the local endpoint's, 7 lent to an endpoint of another node (the peer announces its host route,
        // as that node would), 9 free, 11 allocated for a local endpoint whose record is not written yet (an add in
        // flight)
        RoutingIntent intent = RoutingIntent.ofEndpoints("n1", List.of(self),
                List.of(new BgpPeer(IpAddress.parse("10.0.0.2"), 65000, null), new BgpPeer(IpAddress.parse("fd00::2"), 65000, null)),
                new BgpConfiguration(null, 64512L, true),
                List.of(new IpPool(POOL4, false, null, false), new IpPool(POOL6, false, null, false)),
                List.of(new IpamBlock(Cidr.parse("10.65.0.0/26"), "n1", Map.of(5, "e1", 7, "e-on-n2", 11, "e2")),
                        new IpamBlock(Cidr.parse("fd65::/122"), "n1", Map.of(5, "e1", 7, "e-on-n2", 11, "e2"))),
                List.of(new WorkloadEndpoint("n1", null, "c1", "e1", ENDPOINT_LINK, null, List.of(Cidr.parse("10.65.0.5/32")),
                        List.of(Cidr.parse("fd65::5/128")), List.of(), null, null, null, null),
                        new WorkloadEndpoint("n2", null, "c9", "e-on-n2", "jcn2", null, List.of(Cidr.parse("10.65.0.7/32")),
                                List.of(Cidr.parse("fd65::7/128")), List.of(), null, null, null, null)));
        config = BirdConfig.render(intent, nodeDir.resolve("bird.log"));
        nodeBird = new BirdDaemon(nodeDir, node);
        nodeBird.ensure(config);
        peerBird = new BirdDaemon(peerDir, peer);
        peerBird.ensure(HOSTILE);
    }

    @AfterEach
    void tearDown() {
        if (nodeBird != null) {
            nodeBird.stop();
        }
        if (peerBird != null) {
            peerBird.stop();
        }
        Namespaces.deleteAll(NODE_NAMESPACE);
        Namespaces.deleteAll(PEER_NAMESPACE);
        Namespaces.deleteAll(WORKLOAD_NAMESPACE);
    }

    @Test
    void aPeersRoutesNeverTakeALocalEndpointsTrafficNorWhatLiesOutsideThePools() {
        // the peer's route inside a pool (another node's block, as far as this node can tell) is taken: the peer's
        // announcements have arrived and been filtered by the time it is in the kernel
        assertTrue(Eventually.within(30, () -> route(4, "10.65.1.1").contains("via 10.0.0.2")
                        && route(6, "fd65::1:1").contains("via fd00::2")),
                () -> "the peer's routes inside the pools reach the kernel: " + route(4, "10.65.1.1") + " / " + route(6, "fd65::1:1"));

        assertEquals(List.of("10.65.0.5 dev " + ENDPOINT_LINK, "fd65::5 dev " + ENDPOINT_LINK),
                List.of(firstWords(route(4, "10.65.0.5")), firstWords(route(6, "fd65::5"))),
                "packets for the node's own endpoint go to the endpoint, whatever the peer announced for its address");
        assertEquals("", node.run("ip", "-4", "route", "show", "default").stdout()
                + node.run("ip", "-6", "route", "show", "default").stdout(), "the peer's default routes are refused");
        List<String> outside = (node.run("ip", "-4", "route", "show", "proto", "bird").stdout()
                + node.run("ip", "-6", "route", "show", "proto", "bird").stdout()).lines()
                .map(line -> line.split(" ")[0]).filter(destination -> destination.equals("default")
                        || !(POOL4.contains(net(destination)) || POOL6.contains(net(destination)))).toList();
        assertEquals(List.of(), outside, "nothing outside the pools is taken from the peer");
    }

    /**
     * An address of this node's block that no other node's endpoint holds (free, or allocated for a local endpoint not
     * written yet, or between two endpoints while it moves) is this node's to refuse: a peer's host route for it must not pull its packets away from the block's unreachable route.
     * An address of the block that another node's endpoint holds (borrowed) is reached by that node's host route.
     */
    @Test
    void aPeersHostRouteInsideThisNodesOwnBlockIsRefusedUnlessTheAddressIsLent() {
        assertTrue(Eventually.within(30, () -> route(4, "10.65.1.1").contains("via 10.0.0.2")
                        && route(6, "fd65::1:1").contains("via fd00::2")),
                () -> "the peer's routes inside the pools reach the kernel: " + route(4, "10.65.1.1") + " / " + route(6, "fd65::1:1"));
        assertEquals("", node.run("ip", "-4", "route", "show", "10.65.0.9/32").stdout()
                        + node.run("ip", "-6", "route", "show", "fd65::9/128").stdout(),
                "no route of the peer's for a free address of this node's block");
        assertEquals("", node.run("ip", "-4", "route", "show", "10.65.0.11/32").stdout()
                        + node.run("ip", "-6", "route", "show", "fd65::b/128").stdout(),
                "no route of the peer's for an address allocated for a local endpoint whose record is not written yet");
        assertTrue(route(4, "10.65.0.7").contains("via 10.0.0.2") && route(6, "fd65::7").contains("via fd00::2"),
                () -> "the address lent to another node's endpoint is reached through that node: " + route(4, "10.65.0.7")
                        + " / " + route(6, "fd65::7"));
    }

    /**
     * A node whose BIRD ran the configuration of a jcalico before session 58 (BIRD's default metric, 32) already holds
     * the peer's routes at that metric, and BIRD, which tells its kernel routes by protocol alone, takes them for its
     * own: once the upgraded agent has given BIRD the new configuration, none of them is left to win.
     */
    @Test
    void aNodeUpgradedFromBirdsDefaultMetricKeepsNoneOfItsRoutes() {
        // nor the refusal of routes inside the node's own blocks (session 59), which would hide the old metric's harm
        String before = config.replace("metric " + BirdConfig.KERNEL_METRIC + ";", "")
                .replaceAll("  if net ~ \\[[^\\]]*\\] then reject;\n", "");
        nodeBird.ensure(before);
        assertTrue(Eventually.within(30, () -> route(6, "fd65::5").contains("via fd00::2")),
                () -> "the configuration before lets the peer take the endpoint's packets: " + route(6, "fd65::5"));

        // the upgraded agent adopts the running BIRD
        nodeBird = new BirdDaemon(nodeDir, node);
        nodeBird.ensure(config);
        assertTrue(Eventually.within(30, () -> firstWords(route(6, "fd65::5")).equals("fd65::5 dev " + ENDPOINT_LINK)),
                () -> "after the upgrade the endpoint's packets go to it: " + route(6, "fd65::5"));
        assertEquals("", node.run("ip", "-6", "route", "show", "proto", "bird", "metric", "32").stdout(),
                "no route of the old metric is left");
    }

    /** A destination as `ip route` prints it: a host route without its prefix length. */
    private static Cidr net(String destination) {
        return destination.contains("/") ? Cidr.parse(destination) : Cidr.host(IpAddress.parse(destination));
    }

    /** How the node's kernel routes a packet for ADDRESS (`ip route get`). */
    private String route(int version, String address) {
        return node.run("ip", "-" + version, "route", "get", address).stdout().trim();
    }

    /** The destination and the device of a route lookup: "10.65.0.5 dev jchbpw". */
    private static String firstWords(String lookup) {
        String[] words = lookup.split("\\s+");
        int dev = List.of(words).indexOf("dev");
        return dev < 0 ? lookup : words[0] + " " + String.join(" ", List.of(words).subList(dev, dev + 2));
    }
}
