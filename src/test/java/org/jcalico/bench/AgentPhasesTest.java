package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `bench scale`'s phases from an agent's log of the form it writes: the loop's phases as before, and the path the start
 * waited on, where the listing began before the loop and its end came long before the loop took it.
 */
class AgentPhasesTest {
    @Test
    void saysWhenTheListingBeganAndHowLongAFinishedListingWaitedForTheLoop(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("felix.log");
        Files.writeString(log, String.join("\n",
                "2026-12-04T05:00:00.400Z INFO  heap sized for the start: 3 MB used of 200 MB committed (20 ms)",
                "2026-12-04T05:00:01.000Z INFO  node node-0001 registered beside the listing in 600 ms (written at revision 9)",
                "2026-12-04T05:00:01.200Z INFO  agent for node node-0001 starting",
                "2026-12-04T05:00:02.600Z INFO  read the listing at revision 9, 101053 values kept: listed, decoded and put in"
                        + " tables in 1500 ms, cached in 10 ms",
                "2026-12-04T05:00:03.500Z INFO  resync of 100 local endpoints in 880.0 ms: 100 interfaces",
                "2026-12-04T05:00:03.700Z INFO  heap after the listing's full collection: 40 MB used of 60 MB committed (90 ms)"));
        String phases = AgentPhases.describe(log, Instant.parse("2026-12-04T05:00:00Z"), 3.6);
        assertTrue(phases.startsWith("phases: JVM start to the agent's loop 1.20 s, the listing (read, decoded, cached)"
                + " 1.40 s, first calculation and programming 0.90 s, status 0.10 s"), phases);
        // the listing began 20 ms before the room's line (its collection came right after), was read by 1.88 s, and
        // the loop took it at 2.60 s
        assertTrue(phases.endsWith("the path waited on: JVM start to the listing ahead 0.38 s, the listing read and"
                + " decoded 1.50 s, waiting for the loop 0.72 s, cached and first pass 0.90 s"), phases);
    }
}
