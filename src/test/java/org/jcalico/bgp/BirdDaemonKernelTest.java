package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jcalico.kernel.CommandRunner;
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
    @TempDir Path dir;
    private final List<String> started = new CopyOnWriteArrayList<>();
    private CommandRunner runner;
    private BirdDaemon bird;

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
        Namespaces.deleteAll(NAMESPACE);
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
     * session, how many routes BIRD has exported to it. A second real BIRD in a namespace of its own peers with this
     * one; a session not yet established is not listed; once it is, a new route of a reconfiguration is counted as
     * soon as the reconfiguration has been answered, and the peer gets it.
     */
    @Test
    void theRoutesExportedToEachEstablishedSessionAreCountedAsSoonAsAReconfigurationIsAnswered(@TempDir Path peerDir) {
        String peerNamespace = TestNamespaces.named("jcbd1-b");
        Namespaces.deleteAll(peerNamespace);
        CommandRunner peer = Namespaces.create(peerNamespace);
        BirdDaemon peerBird = new BirdDaemon(peerDir, peer);
        try {
            runner.run("ip", "link", "add", "jcbd-a", "type", "veth", "peer", "name", "jcbd-b", "netns", peerNamespace).check();
            runner.run("ip", "addr", "add", "10.0.0.1/24", "dev", "jcbd-a").check();
            runner.run("ip", "link", "set", "jcbd-a", "up").check();
            peer.run("ip", "addr", "add", "10.0.0.2/24", "dev", "jcbd-b").check();
            peer.run("ip", "link", "set", "jcbd-b", "up").check();
            String session = """
                    protocol bgp mesh4_10_0_0_2 { local 10.0.0.1 as 64512; neighbor 10.0.0.2 as 64512; direct;
                      ipv4 { import none; export where proto = "jc_local4"; }; }
                    """;
            String one = BASE.replace("protocol static {", "protocol static jc_local4 {") + session;
            String two = one.replace("blackhole; }", "blackhole; route 10.70.0.64/26 blackhole; }");
            assertEquals(Optional.of("reconfigured"), bird.ensure(one));
            assertEquals(List.of(), bird.exported(), "no session is established yet");
            peerBird.ensure("""
                    router id 10.0.0.2;
                    protocol device { scan time 10; }
                    protocol bgp mesh4_10_0_0_1 { local 10.0.0.2 as 64512; neighbor 10.0.0.1 as 64512; direct;
                      ipv4 { import all; export none; }; }
                    protocol kernel { ipv4 { export all; }; }
                    """);
            assertTrue(Eventually.within(30, () -> !bird.exported().isEmpty()), "the session is established");
            assertEquals(List.of(new BirdControl.Exported("mesh4_10_0_0_2", 4, 1)), bird.exported());

            assertEquals(Optional.of("reconfigured"), bird.ensure(two));
            assertEquals(List.of(new BirdControl.Exported("mesh4_10_0_0_2", 4, 2)), bird.exported(),
                    "the new route is exported to the session by the time the reconfiguration is answered");
            assertTrue(Eventually.within(5, () -> peer.run("ip", "route", "show", "10.70.0.64/26").stdout().contains("via 10.0.0.1")),
                    "and the peer routes it");
        } finally {
            peerBird.stop();
            Namespaces.deleteAll(peerNamespace);
        }
    }
}
