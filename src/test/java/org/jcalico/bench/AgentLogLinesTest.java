package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `bench scale`'s reading of its agent's log, from lines of the form the agent writes (session 65). */
class AgentLogLinesTest {
    private static final String RESYNC = "2026-12-07T08:05:47.067Z INFO  resync of 100 local endpoints in 765.411 ms: sets_written=101";
    private static final String WARMED = "2026-12-07T08:05:47.472Z INFO  JIT compiler threads now at nice 19: 2";
    private static final String COLLECTED = "2026-12-07T08:05:47.667Z INFO  heap after the listing's full collection: 46 MB used"
            + " of 56 MB committed (178 ms)";
    private static final String UPDATE = "2026-12-07T08:05:48.393Z INFO  update of 100 local endpoints in 5.085 ms:"
            + " set_members_added=1 in 2.8 ms";

    @Test
    void theAgentHasSettledOnceItsPeakIsGivenBackAndItsServedPathsAreWarm() {
        assertFalse(AgentLogLines.settled(List.of(RESYNC)), "in sync only");
        assertFalse(AgentLogLines.settled(List.of(RESYNC, WARMED)), "warmed up, the peak still held");
        assertFalse(AgentLogLines.settled(List.of(RESYNC, COLLECTED)), "the peak given back, the warm-up under way");
        assertTrue(AgentLogLines.settled(List.of(RESYNC, COLLECTED, WARMED)));
        // a warm-up whose compilers could not yield says so, and is done all the same
        assertTrue(AgentLogLines.settled(List.of(COLLECTED,
                "2026-12-07T08:05:47.472Z WARN  JIT compiler threads keep their priority: not permitted")));
    }

    @Test
    void theLinesOfAWindowAreThoseStampedInIt() {
        List<String> log = List.of(RESYNC, WARMED, "\tat org.jcalico.Some.trace(Some.java:1)", COLLECTED, UPDATE);
        assertEquals(List.of(WARMED, COLLECTED), AgentLogLines.between(log, Instant.parse("2026-12-07T08:05:47.472Z"),
                Instant.parse("2026-12-07T08:05:47.667Z")));
        assertEquals(List.of(), AgentLogLines.between(log, Instant.parse("2026-12-07T08:05:48.394Z"),
                Instant.parse("2026-12-07T08:05:49Z")));
    }

    @Test
    void theSlowestChangeIsPrintedWithWhatTheAgentLoggedMeanwhile() {
        List<String> log = List.of(COLLECTED, UPDATE);
        String slowest = ScaleBenchmark.slowest(List.of(
                new ScaleBenchmark.TimedChange(Instant.parse("2026-12-07T08:05:47.500Z"), 4, 170),
                new ScaleBenchmark.TimedChange(Instant.parse("2026-12-07T08:05:48.380Z"), 3, 9)), log);
        assertEquals("the slowest change (1 of 2, 170 ms, etcd's acknowledgement of its commit 4 ms) met, in the agent's log: "
                + COLLECTED, slowest);
        assertEquals("the slowest change (1 of 1, 9 ms, etcd's acknowledgement of its commit 2 ms) met,"
                + " in the agent's log: nothing", ScaleBenchmark.slowest(
                List.of(new ScaleBenchmark.TimedChange(Instant.parse("2026-12-07T08:05:49Z"), 2, 9)), log));
    }
}
