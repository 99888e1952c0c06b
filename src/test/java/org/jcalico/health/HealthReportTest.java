package org.jcalico.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.felix.AgentStatusFile;
import org.junit.jupiter.api.Test;

class HealthReportTest {
    private static final BgpStatus.Session UP = new BgpStatus.Session("mesh", 4, "172.30.0.12", "up", "10:00:00", "Established");
    private static final BgpStatus.Session DOWN = new BgpStatus.Session("mesh", 4, "172.30.0.13", "start", "10:00:05",
            "Active        Socket: Connection refused");

    private static AgentStatusFile.Status status(AgentStatusFile.State state, int failed, String problem) {
        return new AgentStatusFile.Status("h1", 42, state, 3, 0, failed, problem, 0, List.of(), 0, java.util.Map.of(), 0);
    }

    private static Map<String, Boolean> verdicts(HealthReport report) {
        return report.conditions().stream().collect(Collectors.toMap(HealthReport.Condition::name, HealthReport.Condition::ok));
    }

    @Test
    void inSyncWithBirdUpAndEverySessionEstablishedIsReady() {
        HealthReport report = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.in_sync, 0, null), true, 7L,
                List.of(UP), null));
        assertTrue(report.ok());
        assertEquals(Map.of("datastore", true, "apply", true, "bird", true, "bgp", true), verdicts(report));
        assertNull(report.problem());
    }

    @Test
    void oneSessionNotEstablishedMakesTheNodeNotReadyAndNamesThePeer() {
        HealthReport report = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.in_sync, 0, null), true, 7L,
                List.of(UP, DOWN), null));
        assertFalse(report.ok());
        assertEquals(Map.of("datastore", true, "apply", true, "bird", true, "bgp", false), verdicts(report));
        assertTrue(report.problem().contains("172.30.0.13") && report.problem().contains("Connection refused"), report.problem());
        assertFalse(report.problem().contains("172.30.0.12"), report.problem());
    }

    @Test
    void aSessionShutByItsImportLimitIsNamedAsSuch() {
        // BIRD's words for a session over its `import limit ... action disable`, as read from BIRD 2.0.12
        BgpStatus.Session flooded = new BgpStatus.Session("global", 4, "10.0.0.2", "down", "14:02:37",
                "Automatic shutdown: Route limit exceeded");
        HealthReport report = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.in_sync, 0, null), true, 7L,
                List.of(UP, flooded, DOWN), null));
        assertFalse(report.ok());
        assertTrue(report.problem().contains("10.0.0.2 (global, down, Automatic shutdown: Route limit exceeded): shut by its import limit"),
                report.problem());
        assertFalse(report.problem().contains("172.30.0.13 (mesh, start, Active        Socket: Connection refused): shut"), report.problem());
    }

    @Test
    void birdDownMakesTheNodeNotReadyAndItsSessionsUnknown() {
        HealthReport report = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.in_sync, 0, null), true, null,
                List.of(), null));
        assertFalse(report.ok());
        assertEquals(Map.of("datastore", true, "apply", true, "bird", false, "bgp", false), verdicts(report));
        HealthReport silent = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.in_sync, 0, null), true, 7L,
                List.of(), "BIRD is not answering on /run/x/bird.ctl"));
        assertTrue(silent.problem().contains("not answering"), silent.problem());
        assertFalse(silent.ok());
    }

    @Test
    void withoutBgpThereIsNoBgpCondition() {
        HealthReport report = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.in_sync, 0, null), false, null,
                List.of(), null));
        assertTrue(report.ok());
        assertEquals(Map.of("datastore", true, "apply", true), verdicts(report));
    }

    @Test
    void aFailedApplyOrAMissingDatastoreIsNotReady() {
        HealthReport failed = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.degraded, 1,
                "endpoint e1 failed: iptables-restore: line 3 failed"), false, null, List.of(), null));
        assertEquals(Map.of("datastore", true, "apply", false), verdicts(failed));
        assertTrue(failed.problem().contains("line 3 failed"), failed.problem());
        HealthReport disconnected = HealthReport.readiness(new HealthFacts(status(AgentStatusFile.State.disconnected, 0,
                "connection refused"), false, null, List.of(), null));
        assertEquals(Map.of("datastore", false, "apply", false), verdicts(disconnected));
        assertTrue(disconnected.problem().contains("connection refused"), disconnected.problem());
        HealthReport none = HealthReport.readiness(new HealthFacts(null, true, null, List.of(), null));
        assertFalse(none.ok());
        assertTrue(none.problem().contains("not running"), none.problem());
    }

    @Test
    void theLoopIsLiveUntilItHasBeenSilentLongerThanTheLimit() {
        assertTrue(HealthReport.liveness(1_500).ok());
        assertTrue(HealthReport.liveness(HealthReport.LIVENESS_LIMIT_MILLIS).ok());
        HealthReport stuck = HealthReport.liveness(HealthReport.LIVENESS_LIMIT_MILLIS + 1);
        assertFalse(stuck.ok());
        assertTrue(stuck.problem().contains("stuck"), stuck.problem());
    }
}
