package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Probe;
import org.jcalico.model.IpAddress;
import org.jcalico.testing.ContinuousPing;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dataplane keeps working, and keeps enforcing, while the agent is killed and its supervisor starts a new one,
 * on either dataplane: the new agent's first pass takes over a kernel its predecessor programmed (read back under
 * iptables, both tables replaced in one transaction under nftables) and must neither drop an allowed packet nor let a
 * denied one through on the way.
 */
@Tag("kernel")
class AgentRestartIT {
    private static final String H1 = "h1";
    private static final int INTERVAL_MILLIS = 20;

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "nftables"})
    void aKilledAgentsSuccessorTakesOverTheKernelWithoutAGapInPolicy(String driver) throws Exception {
        try (LabFixture fixture = LabFixture.up("jcrs" + driver.charAt(0), 1, false)) {
            fixture.apply(H1, "kind: FelixConfiguration\nname: global\ndataplaneDriver: " + driver + "\n");
            String host = fixture.layout().host(1);
            assertTrue(Eventually.within(30, () -> fixture.programsOnly(host, driver)), "the agent programs " + driver);
            fixture.addWorkload(H1, "blue1", "blue");
            IpAddress blue2 = fixture.addWorkload(H1, "blue2", "blue");
            fixture.addWorkload(H1, "red", "red");
            String blue1 = fixture.layout().workload("blue1");
            String red = fixture.layout().workload("red");
            assertTrue(Probe.ping(blue1, blue2).succeeds(), "blue1 -> blue2: one profile");
            assertFalse(Probe.ping(red, blue2).succeeds(), "red -> blue2: another profile");

            Path runDir = fixture.layout().runDir().resolve(fixture.layout().nodeName(1));
            long agent = pid(runDir.resolve("agent.pid"));
            ContinuousPing allowed = ContinuousPing.start(blue1, blue2, INTERVAL_MILLIS);
            ContinuousPing denied = ContinuousPing.start(red, blue2, INTERVAL_MILLIS);
            Thread.sleep(300);
            CommandRunner.local().run("kill", "-9", Long.toString(agent)).check();
            assertTrue(Eventually.within(20, () -> pid(runDir.resolve("agent.pid")) != agent
                    && fixture.run(H1, "node", "status").stdout().contains("in sync")),
                    "the supervisor's new agent is in sync: " + fixture.run(H1, "node", "status").stdout());
            // the new agent's first resync after its first pass reads the kernel back once more
            Thread.sleep(1_500);
            ContinuousPing.Counts kept = allowed.stop();
            ContinuousPing.Counts refused = denied.stop();
            System.out.println(driver + ": agent killed and restarted; blue1 -> blue2 " + kept + "; red -> blue2 " + refused);
            assertEquals(0, kept.lost(), driver + ": no allowed packet lost while the agent restarted: " + kept);
            assertEquals(0, refused.received(), driver + ": no denied packet let through while the agent restarted: " + refused);
            assertTrue(fixture.programsOnly(host, driver), "the new agent kept the " + driver + " dataplane");
        }
    }

    private static long pid(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip().split("\\s+")[0]);
        } catch (Exception e) {
            return -1; // between two agents the pid file may be missing or half written
        }
    }
}
