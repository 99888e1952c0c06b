package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real BIRD in a namespace of the test's: once it runs, a new configuration is checked and applied by asking BIRD on
 * its control socket, with no process started (each was a `bird -p` and a `birdc` on the cores a new block's first
 * container waits for), and BIRD's verdicts are the same: a refused line named as `bird -p` names it.
 */
@Tag("kernel")
class BirdDaemonKernelTest {
    private static final String NAMESPACE = TestNamespaces.named("jcbd1-a");
    private static final String BASE = """
            router id 10.0.0.1;
            protocol device { scan time 10; }
            protocol static { ipv4; route 10.70.0.0/26 blackhole; }
            """;
    private static final String PEER_NAMESPACE = TestNamespaces.named("jcbd1-b");
    /** This BIRD's session with the peer of {@link #startPeer}: it exports the node's own routes alone. */
    private static final String SESSION = """
            protocol bgp mesh4_10_0_0_2 { local 10.0.0.1 as 64512; neighbor 10.0.0.2 as 64512; direct;
              ipv4 { import none; export where proto = "jc_local4"; }; }
            """;
    private static final String WITH_PEER = BASE.replace("protocol static {", "protocol static jc_local4 {") + SESSION;
    @TempDir Path dir;
    private final List<String> started = new CopyOnWriteArrayList<>();
    private CommandRunner runner;
    private BirdDaemon bird;
    private CommandRunner peer;
    private BirdDaemon peerBird;

    @BeforeEach
    void startBird() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAMESPACE);
        runner = Namespaces.create(NAMESPACE);
        bird = new BirdDaemon(dir, runner.observedBy((tool, ok) -> started.add(tool)));
        assertEquals(Optional.empty(), bird.check(BASE), "BIRD accepts the first configuration");
        assertEquals(Optional.of("started"), bird.ensure(BASE));
    }

    @AfterEach
    void stopBird() {
        if (bird != null) {
            bird.stop();
        }
        if (peerBird != null) {
            peerBird.stop();
        }
        Namespaces.deleteAll(NAMESPACE);
        Namespaces.deleteAll(PEER_NAMESPACE);
    }

    @Test
    void aRunningBirdChecksAndTakesANewConfigurationWithoutAProcess() {
        String withBlock = BASE.replace("blackhole; }", "blackhole; route 10.70.0.64/26 blackhole; }");
        String refused = BASE.replace("blackhole; }", "blackhole; route 10.70.0.64/26 nowhere; }");
        started.clear();

        assertEquals(Optional.empty(), bird.check(withBlock), "BIRD accepts the new block's route");
        Optional<String> verdict = bird.check(refused);
        assertTrue(verdict.isPresent() && verdict.get().contains("bird.conf.check:3:"),
                "BIRD refuses the line and names it as bird -p does (FILE:LINE:COLUMN): " + verdict);
        assertEquals(Optional.of("reconfigured"), bird.ensure(withBlock));
        assertEquals(List.of(), started, "no process was started to check or apply a configuration");

        String routes = runner.run("birdc", "-s", bird.socket().toString(), "show", "route").check().stdout();
        assertTrue(routes.contains("10.70.0.64/26"), "BIRD runs the new configuration:\n" + routes);
    }

    /**
     * BIRD writes its pid file only after it has gone into the background, so the start returned while BIRD could
     * not yet be found: a configuration checked at once was checked by a `bird -p` process instead of the running
     * BIRD (CI, session 46: this class's first test saw [bird]), and a second ensure would have started another BIRD.
     */
    @Test
    void aStartedBirdIsFoundTheMomentItsStartReturns() {
        for (int round = 0; round < 20; round++) {
            bird.stop();
            assertTrue(bird.ensure(BASE).orElseThrow().startsWith("restarted"), "round " + round);
            assertTrue(bird.process().isPresent(), "round " + round + ": the BIRD just started is found");
        }
    }

    /**
     * What the agent asks after a reconfiguration (docs/agent.md, "Session 47 (g-bgp)"): for each established BGP
     * session, how many routes BIRD has exported to it. A session not yet established is listed with its state alone; once it is, a
     * new route of a reconfiguration is counted as soon as the reconfiguration has been answered, and the peer gets it.
     */
    @Test
    void theRoutesExportedToEachEstablishedSessionAreCountedAsSoonAsAReconfigurationIsAnswered(@TempDir Path peerDir) {
        String two = WITH_PEER.replace("blackhole; }", "blackhole; route 10.70.0.64/26 blackhole; }");
        assertEquals(Optional.of("reconfigured"), bird.ensure(WITH_PEER));
        BirdControl.Sessions before = bird.sessions();
        assertEquals(List.of(), before.exported(), "no session is established yet");
        assertEquals(Set.of("mesh4_10_0_0_2"), before.notEstablished().keySet(), "and its state is read: " + before);
        startPeer(peerDir);
        assertEquals(new BirdControl.Sessions(List.of(new BirdControl.Exported("mesh4_10_0_0_2", 4, 1)), Map.of()),
                bird.sessions());

        assertEquals(Optional.of("reconfigured"), bird.ensure(two));
        assertEquals(List.of(new BirdControl.Exported("mesh4_10_0_0_2", 4, 2)), bird.sessions().exported(),
                "the new route is exported to the session by the time the reconfiguration is answered");
        assertTrue(Eventually.within(5, () -> peer.run("ip", "route", "show", "10.70.0.64/26").stdout().contains("via 10.0.0.1")),
                "and the peer routes it");
    }

    /**
     * BIRD queues a configuration that comes while an earlier reconfiguration is still in progress ("0005
     * Reconfiguration already in progress, queueing new config") and runs nothing of it until that one is done; ensure
     * took any answer containing "Reconfigur" for applied (session 47, q-bird). Made to last here: the configuration
     * before removes an established session that cannot send its NOTIFICATION (the peer takes no packet, and this
     * namespace's TCP send buffers are small and full of updates), which BIRD waits for up to BGP's 10 s close timer.
     */
    @Test
    void aConfigurationBirdQueuedIsNotTakenForRunningUntilBirdRunsIt(@TempDir Path peerDir) {
        runner.run("sysctl", "-w", "net.ipv4.tcp_wmem=4096 4096 4096").check();
        assertEquals(Optional.of("reconfigured"), bird.ensure(WITH_PEER));
        startPeer(peerDir);
        StringBuilder updates = new StringBuilder();
        for (int i = 0; i < 60_000; i++) {
            updates.append(" route 10.").append(80 + i / 65_536).append('.').append(i / 256 % 256).append('.')
                    .append(i % 256).append("/32 blackhole;");
        }
        String flooding = WITH_PEER.replace("blackhole; }", "blackhole;" + updates + " }");
        String withoutPeer = flooding.substring(0, flooding.indexOf("protocol bgp"));
        String queued = withoutPeer.replace("blackhole; }", "blackhole; route 10.70.0.64/26 blackhole; }");
        peer.run("iptables", "-I", "INPUT", "-p", "tcp", "-j", "DROP").check();
        assertEquals("reconfigured", said(flooding));
        assertEquals("reconfigured", said(withoutPeer),
                "a configuration is running once BIRD has committed it, while the session it removed still closes");

        long start = System.nanoTime();
        String said = said(queued);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        String before = routes("10.70.0.64/26");
        assertTrue(before.contains("Network not found"), "BIRD queued the configuration and still runs the one before: " + before);
        assertTrue(said.startsWith("error: ") && said.contains("queued the configuration"),
                "ensure says that BIRD does not run the configuration yet, not: " + said);
        assertTrue(tookMillis < BirdDaemon.QUEUED_WAIT.toMillis() + 3000, "and says so within a bound: " + tookMillis + " ms");

        String[] last = {said};
        assertTrue(Eventually.within(30, () -> (last[0] = said(queued)).startsWith("reconfigured")),
                () -> "once the session has closed, BIRD takes the configuration: " + last[0]);
        String after = routes("10.70.0.64/26");
        assertTrue(after.contains("10.70.0.64/26"), "and runs it (ensure said '" + last[0] + "'): " + after);
    }

    /** What ensure says it did, or "error: " and why it failed. */
    private String said(String config) {
        try {
            return bird.ensure(config).orElse("nothing");
        } catch (KernelException e) {
            return "error: " + e.getMessage();
        }
    }

    private String routes(String prefix) {
        // birdc exits 1 on "Network not found"
        CommandRunner.Result shown = runner.run("birdc", "-s", bird.socket().toString(), "show", "route", "for", prefix);
        return shown.stdout() + shown.stderr();
    }

    /**
     * A second real BIRD, in a namespace of its own linked to this one (10.0.0.2 to 10.0.0.1), that peers with this
     * BIRD's {@link #SESSION} and takes its routes into its kernel; returns once the session is established. It
     * connects at once: BIRD's default 5 s connect delay was most of each test's wait for the session.
     */
    private void startPeer(Path peerDir) {
        Namespaces.deleteAll(PEER_NAMESPACE);
        peer = Namespaces.create(PEER_NAMESPACE);
        peerBird = new BirdDaemon(peerDir, peer);
        runner.run("ip", "link", "add", "jcbd-a", "type", "veth", "peer", "name", "jcbd-b", "netns", PEER_NAMESPACE).check();
        runner.run("ip", "addr", "add", "10.0.0.1/24", "dev", "jcbd-a").check();
        runner.run("ip", "link", "set", "jcbd-a", "up").check();
        peer.run("ip", "addr", "add", "10.0.0.2/24", "dev", "jcbd-b").check();
        peer.run("ip", "link", "set", "jcbd-b", "up").check();
        peerBird.ensure("""
                router id 10.0.0.2;
                protocol device { scan time 10; }
                protocol bgp mesh4_10_0_0_1 { local 10.0.0.2 as 64512; neighbor 10.0.0.1 as 64512; direct;
                  connect delay time 0;
                  ipv4 { import all; export none; }; }
                protocol kernel { ipv4 { export all; }; }
                """);
        assertTrue(Eventually.within(30, () -> !bird.sessions().exported().isEmpty()), "the session is established");
    }
}
