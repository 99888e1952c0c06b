package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BGP peer announcing more routes inside the pools than any real cluster needs (a router leaking a table, a node gone
 * rogue): the node runs the BIRD configuration jcalico renders, the peer is a second real BIRD with a static protocol of
 * N host routes inside the pool. Beyond the session's import limit the session is shut and none of the peer's routes
 * stays in the node's kernel (docs/architecture.md, "What BGP may bring into the kernel").
 */
@Tag("kernel")
class RouteFloodKernelTest {
    private static final String NODE_NAMESPACE = TestNamespaces.named("jcrf-n");
    private static final String PEER_NAMESPACE = TestNamespaces.named("jcrf-p");
    private static final Cidr POOL = Cidr.parse("10.64.0.0/14");
    @TempDir Path nodeDir;
    @TempDir Path peerDir;
    private CommandRunner node;
    private BirdDaemon nodeBird;
    private BirdDaemon peerBird;

    @BeforeEach
    void setUp() {
        KernelTests.assumeKernel();
        tearDown();
        node = Namespaces.create(NODE_NAMESPACE);
        CommandRunner peer = Namespaces.create(PEER_NAMESPACE);
        node.run("ip", "link", "add", "jcrf-n", "type", "veth", "peer", "name", "jcrf-p", "netns", PEER_NAMESPACE).check();
        node.run("ip", "addr", "add", "10.0.0.1/24", "dev", "jcrf-n").check();
        node.run("ip", "link", "set", "jcrf-n", "up").check();
        peer.run("ip", "addr", "add", "10.0.0.2/24", "dev", "jcrf-p").check();
        peer.run("ip", "link", "set", "jcrf-p", "up").check();
        nodeBird = new BirdDaemon(nodeDir, node);
        peerBird = new BirdDaemon(peerDir, peer);
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
    }

    @Test
    void aPeerAnnouncingMoreRoutesThanTheDefaultLimitBringsNoneIntoTheKernel() {
        nodeBird.ensure(BirdConfig.render(intent(new BgpPeer(IpAddress.parse("10.0.0.2"), 65000, null)), nodeDir.resolve("bird.log")));
        peerBird.ensure(peer(100_001));

        settled(100_001);
        assertEquals(0, birdRoutes(), () -> "a peer announcing 100,001 routes inside the pools leaves none in the kernel: " + sessions());
        assertTrue(sessions().getFirst().shutByImportLimit(), () -> "its session is shut by its limit: " + sessions());
    }

    /**
     * A peer's own limit overrides the default: as many routes as it allows are taken, one more shuts the session and
     * takes them all out, and the admin raising the limit (a new configuration) brings the session and its routes back.
     */
    @Test
    void aPeersOwnLimitShutsItsSessionUntilTheLimitIsRaised() {
        peerBird.ensure(peer(50));
        nodeBird.ensure(BirdConfig.render(intent(limited(50)), nodeDir.resolve("bird.log")));
        settled(50);
        assertTrue(sessions().getFirst().established(), () -> "as many routes as the limit allows are taken: " + sessions());

        peerBird.ensure(peer(51));
        assertTrue(Eventually.within(60, () -> sessions().getFirst().shutByImportLimit() && birdRoutes() == 0
                        && sessions().getFirst().state().equals("down")),
                () -> "one route more shuts the session and takes its routes out: " + sessions() + ", " + birdRoutes());

        nodeBird.ensure(BirdConfig.render(intent(limited(51)), nodeDir.resolve("bird.log")));
        settled(51);
        assertTrue(sessions().getFirst().established(), () -> "the raised limit brings the session back: " + sessions());
    }

    private static BgpPeer limited(long importLimit) {
        return new BgpPeer(IpAddress.parse("10.0.0.2"), 65000, null, null, importLimit);
    }

    /** Waits until the session either took all COUNT routes into the kernel or was shut by its limit and flushed. */
    private void settled(int count) {
        assertTrue(Eventually.within(120, () -> {
                    List<BgpStatus.Session> sessions = sessions();
                    // a shut session's routes leave the kernel while BIRD flushes it: settled once it is down
                    return !sessions.isEmpty() && (sessions.getFirst().info().contains("limit") && sessions.getFirst().state().equals("down")
                            || sessions.getFirst().established() && birdRoutes() == count);
                }), () -> "the session with the peer settles: " + sessions() + ", " + birdRoutes() + " routes of BIRD in the kernel");
    }

    private static RoutingIntent intent(BgpPeer peer) {
        Node self = new Node("n1", IpAddress.parse("10.0.0.1"), null, null);
        return new RoutingIntent("n1", List.of(self), List.of(peer), new BgpConfiguration(null, 64512L, true),
                List.of(new IpPool(POOL, false, null, false)),
                List.of(new IpamBlock(Cidr.parse("10.64.0.0/26"), "n1", Map.of())), List.of(), List.of());
    }

    /** A peer announcing COUNT host routes inside the pool, none of them in the node's block. */
    private static String peer(int count) {
        StringBuilder out = new StringBuilder("router id 10.0.0.2;\nprotocol device { scan time 10; }\nprotocol static flood { ipv4;\n");
        for (int i = 0; i < count; i++) {
            int n = i + 256;
            out.append("  route 10.").append(64 + (n >> 16)).append('.').append((n >> 8) & 255).append('.').append(n & 255)
                    .append("/32 blackhole;\n");
        }
        return out.append("}\nprotocol bgp to4 { local 10.0.0.2 as 65000; neighbor 10.0.0.1 as 64512; direct; connect delay time 0;\n")
                .append("  ipv4 { import none; export all; next hop self; }; }\n").toString();
    }

    private List<BgpStatus.Session> sessions() {
        return BgpStatus.read(node, nodeBird.socket());
    }

    private long birdRoutes() {
        return node.run("ip", "-4", "route", "show", "proto", "bird").stdout().lines().count();
    }
}
