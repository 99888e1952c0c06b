package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BirdConfigTest {
    private static final Node H1 = new Node("h1", IpAddress.parse("172.30.0.11"), IpAddress.parse("fd30::11"), null);
    private static final Node H2 = new Node("h2", IpAddress.parse("172.30.0.12"), IpAddress.parse("fd30::12"), 64600L);

    private static RoutingIntent intent(boolean mesh, List<BgpPeer> peers) {
        var endpoint = new WorkloadEndpoint("h1", null, "c1", "e1", "jce1", null,
                List.of(Cidr.parse("10.65.0.1/32"), Cidr.parse("10.65.0.70/32")),
                List.of(Cidr.parse("fd65::1/128")), List.of(), null, null, null, null);
        return RoutingIntent.ofEndpoints("h1", List.of(H1, H2), peers, new BgpConfiguration(null, 64512L, mesh),
                List.of(new IpPool(Cidr.parse("10.65.0.0/16"), true, null, false), new IpPool(Cidr.parse("fd65::/64"), false, null, false)),
                List.of(new IpamBlock(Cidr.parse("10.65.0.0/26"), "h1", Map.of(1, "e1", 9, "e-on-h2", 12, "e-in-flight")),
                        new IpamBlock(Cidr.parse("fd65::/122"), "h1", Map.of(1, "e1"))),
                List.of(endpoint, new WorkloadEndpoint("h2", null, "c2", "e-on-h2", "jce2", null,
                        List.of(Cidr.parse("10.65.0.9/32")), List.of(), List.of(), null, null, null, null)));
    }

    @Test
    void advertisesOwnBlocksAndBorrowedAddressesOnly() {
        RoutingIntent intent = intent(true, List.of());
        assertEquals(List.of(Cidr.parse("10.65.0.0/26"), Cidr.parse("10.65.0.70/32")), BirdConfig.advertised(intent, 4));
        assertEquals(List.of(Cidr.parse("fd65::/122")), BirdConfig.advertised(intent, 6));
    }

    @Test
    void meshAndPeersBecomeSessions() {
        var peers = List.of(new BgpPeer(IpAddress.parse("172.30.0.100"), 65000, null),
                new BgpPeer(IpAddress.parse("172.30.0.101"), 65001, "h2"));
        List<BgpSession> sessions = BirdConfig.sessions(intent(true, peers), H1);
        assertEquals(List.of("mesh4_172_30_0_12", "mesh6_fd30__12", "global4_172_30_0_100"),
                sessions.stream().map(BgpSession::protocolName).toList());
        assertEquals(64600, sessions.get(0).peerAs());
        assertEquals(List.of("global4_172_30_0_100"),
                BirdConfig.sessions(intent(false, peers), H1).stream().map(BgpSession::protocolName).toList());
    }

    /** What the agent leaves out when BIRD refuses one session: its source, and nothing else. */
    @Test
    void withoutASessionDropsOnlyItsSource() {
        var peers = List.of(new BgpPeer(IpAddress.parse("172.30.0.100"), 65000, null),
                new BgpPeer(IpAddress.parse("172.30.0.100"), 65001, "h1"));
        RoutingIntent intent = intent(true, peers);
        List<BgpSession> sessions = BirdConfig.sessions(intent, H1);
        BgpSession mesh = sessions.get(0);
        BgpSession global = sessions.stream().filter(s -> s.type() == BgpSession.Type.global).findFirst().orElseThrow();
        BgpSession node = sessions.stream().filter(s -> s.type() == BgpSession.Type.node).findFirst().orElseThrow();
        assertEquals(List.of("global4_172_30_0_100", "node4_172_30_0_100"),
                BirdConfig.sessions(intent.without(mesh), H1).stream().map(BgpSession::protocolName).toList());
        assertEquals(List.of(peers.get(1)), intent.without(global).peers());
        assertEquals(List.of(peers.get(0)), intent.without(node).peers());
        assertEquals(intent.nodes(), intent.without(node).nodes());
    }

    @Test
    void importAcceptsOnlyPoolPrefixes() {
        String config = BirdConfig.render(intent(true, List.of()), Path.of("/tmp/bird.log"));
        assertTrue(config.contains("if net ~ [ 10.65.0.0/16+ ] then accept;"));
        assertTrue(config.contains("if net ~ [ fd65::/64+ ] then accept;"));
        assertFalse(config.contains("0.0.0.0/0"));
    }

    /**
     * Inside its own blocks a node takes from peers only the host routes of the addresses lent to other nodes'
     * endpoints (allocated, held by another node's endpoint: not one allocated for a local endpoint not written yet);
     * the rest of its blocks is refused before the pools accept.
     */
    @Test
    void importRefusesThisNodesOwnBlocksButTheLentAddresses() {
        RoutingIntent intent = intent(true, List.of());
        assertEquals(List.of(Cidr.parse("10.65.0.9/32")), intent.lentRoutes());
        String config = BirdConfig.render(intent, Path.of("/tmp/bird.log"));
        assertTrue(config.contains("filter jc_import4 {\n  if net ~ [ 10.65.0.9/32 ] then accept;\n"
                + "  if net ~ [ 10.65.0.0/26+ ] then reject;\n  if net ~ [ 10.65.0.0/16+ ] then accept;\n  reject;\n}"), config);
        assertTrue(config.contains("filter jc_import6 {\n  if net ~ [ fd65::/122+ ] then reject;\n"
                + "  if net ~ [ fd65::/64+ ] then accept;\n  reject;\n}"), config);
    }

    /** Each session's import limit: the peer's own, else the BGP configuration's, else the default. */
    @Test
    void everySessionHasAnImportLimit() {
        var peers = List.of(new BgpPeer(IpAddress.parse("172.30.0.100"), 65000, null, null, 7L),
                new BgpPeer(IpAddress.parse("172.30.0.101"), 65001, null));
        String config = BirdConfig.render(intent(true, peers), Path.of("/tmp/bird.log"));
        assertTrue(config.contains("protocol bgp mesh4_172_30_0_12 from jc_peer4 { neighbor 172.30.0.12 as 64600;"
                + " ipv4 { import limit 100000 action disable; }; }"), config);
        assertTrue(config.contains("neighbor 172.30.0.100 as 65000; ipv4 { import limit 7 action disable; }; }"), config);
        assertTrue(config.contains("neighbor 172.30.0.101 as 65001; ipv4 { import limit 100000 action disable; }; }"), config);
        RoutingIntent lower = intent(true, peers);
        lower = new RoutingIntent(lower.node(), lower.nodes(), lower.peers(), new BgpConfiguration(null, 64512L, true, 3000L),
                lower.pools(), lower.localBlocks(), lower.endpointRoutes(), lower.lentRoutes());
        String configured = BirdConfig.render(lower, Path.of("/tmp/bird.log"));
        assertTrue(configured.contains("neighbor fd30::12 as 64600; ipv6 { import limit 3000 action disable; }; }"), configured);
        assertTrue(configured.contains("neighbor 172.30.0.100 as 65000; ipv4 { import limit 7 action disable; }; }"), configured);
    }

    /** Peers keep this node's routes while its BIRD restarts, and the kernel keeps theirs: both sides of RFC 4724. */
    @Test
    void sessionsAndKernelTakePartInGracefulRestart() {
        String config = BirdConfig.render(intent(true, List.of()), Path.of("/tmp/bird.log"));
        assertTrue(config.contains("\ngraceful restart wait " + BirdConfig.RECOVERY_WAIT_SECONDS + ";\n"), config);
        for (String v : List.of("4", "6")) {
            String template = block(config, "template bgp jc_peer" + v + " {");
            assertTrue(template.contains("graceful restart on;") && template.contains(
                    "graceful restart time " + BirdConfig.RESTART_TIME_SECONDS + ";"), template);
            String kernel = block(config, "protocol kernel jc_kernel" + v + " {");
            assertTrue(kernel.contains("persist;") && kernel.contains("graceful restart;"), kernel);
        }
        assertTrue(config.lines().filter(line -> line.startsWith("protocol bgp ")).allMatch(line -> line.contains(" from jc_peer")),
                "every session takes its graceful restart from the template: " + config);
    }

    private static String block(String config, String opening) {
        int start = config.indexOf(opening);
        assertTrue(start >= 0, opening + " in " + config);
        return config.substring(start, config.indexOf("\n}\n", start));
    }

    @Test
    void birdAcceptsTheConfiguration(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/bird")), "bird2 is not installed");
        var peers = List.of(new BgpPeer(IpAddress.parse("172.30.0.100"), 65000, null));
        for (RoutingIntent intent : List.of(intent(true, peers), intent(false, List.of()))) {
            Path file = dir.resolve("bird.conf");
            Files.writeString(file, BirdConfig.render(intent, dir.resolve("bird.log")));
            CommandRunner.Result parsed = CommandRunner.local().run("bird", "-p", "-c", file.toString());
            assertEquals(0, parsed.exitCode(), "bird -p: " + parsed.stderr() + "\n" + Files.readString(file));
        }
    }
}
