package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** bench docker's reading of the agent's log: each plugin call's answer time and dockerd's time between calls. */
class PluginCallLogTest {
    /** Two `docker run`s as a lab agent logged them in a bench (session 43), after a line before the measurement. */
    private static final List<String> LOG = List.of(
            "2026-12-04T12:46:14.125Z INFO  docker IpamDriver.ReleaseAddress answered in 0 ms",
            "2026-12-04T12:46:16.557Z INFO  docker IpamDriver.RequestAddress answered in 2 ms",
            "2026-12-04T12:46:16.558Z INFO  docker NetworkDriver.CreateEndpoint answered in 0 ms",
            "2026-12-04T12:46:16.572Z INFO  update of 2 local endpoints in 4.352 ms: chains_written=2 rules_inserted=2"
                    + " set_members_added=1 routes_added=1 interfaces_configured=1 sysctls_written=2 in 3.0 ms",
            "2026-12-04T12:46:16.574Z INFO  docker NetworkDriver.Join answered in 9 ms",
            "2026-12-04T12:46:16.581Z INFO  docker NetworkDriver.ProgramExternalConnectivity answered in 0 ms",
            "2026-12-04T12:46:16.998Z INFO  docker NetworkDriver.RevokeExternalConnectivity answered in 0 ms",
            "2026-12-04T12:46:17.001Z INFO  docker NetworkDriver.Leave answered in 1 ms",
            "2026-12-04T12:46:17.012Z INFO  update of 1 local endpoints in 9.686 ms: chains_written=2 chains_deleted=2"
                    + " set_members_removed=1 in 8.7 ms",
            "2026-12-04T12:46:17.015Z INFO  docker NetworkDriver.DeleteEndpoint answered in 0 ms",
            "2026-12-04T12:46:17.016Z INFO  docker IpamDriver.ReleaseAddress answered in 0 ms",
            "2026-12-04T12:46:17.020Z INFO  something else the agent logs",
            "2026-12-04T12:46:18.971Z INFO  docker IpamDriver.RequestAddress answered in 2 ms",
            "2026-12-04T12:46:18.973Z INFO  docker NetworkDriver.CreateEndpoint answered in 0 ms",
            "2026-12-04T12:46:18.999Z INFO  docker NetworkDriver.Join answered in 0 ms");

    @Test
    void answerTimesByCallAndDockerdsTimeBetweenCallsWithinEachRun() {
        PluginCallLog log = new PluginCallLog(LOG, Instant.parse("2026-12-04T12:46:16Z"));
        assertEquals(List.of(2L, 2L), log.calls().get("IpamDriver.RequestAddress"));
        assertEquals(List.of(9L, 0L), log.calls().get("NetworkDriver.Join"));
        assertEquals(List.of(0L), log.calls().get("IpamDriver.ReleaseAddress"), "the release before the measurement is not counted");
        assertEquals(List.of(4L), log.calls().get("agent's apply of the endpoint (Join waits)"));
        assertEquals(List.of(10L), log.calls().get("agent's apply of its removal (no wait)"));
        Map<String, List<Long>> gaps = log.gaps();
        // Join arrived 9 ms before its answer at .574, 7 ms after CreateEndpoint's answer at .558; then 26 ms
        assertEquals(List.of(7L, 26L), gaps.get("dockerd: CreateEndpoint -> Join"));
        assertEquals(List.of(1L, 2L), gaps.get("dockerd: RequestAddress -> CreateEndpoint"));
        assertEquals(List.of(14L), gaps.get("dockerd: Leave -> DeleteEndpoint"));
        assertEquals(List.of(417L), gaps.get("dockerd: ProgramExternalConnectivity -> RevokeExternalConnectivity"));
        // the time between one run's last call and the next run's first is the other networks' runs, not dockerd's
        assertEquals(List.of("dockerd: RequestAddress -> CreateEndpoint", "dockerd: CreateEndpoint -> Join",
                "dockerd: Join -> ProgramExternalConnectivity", "dockerd: ProgramExternalConnectivity -> RevokeExternalConnectivity",
                "dockerd: RevokeExternalConnectivity -> Leave", "dockerd: Leave -> DeleteEndpoint",
                "dockerd: DeleteEndpoint -> ReleaseAddress"), List.copyOf(gaps.keySet()));
    }
}
