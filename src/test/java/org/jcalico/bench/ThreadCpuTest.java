package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which threads spent a window's CPU: threads of one name summed, the busiest first, new threads counted whole. */
class ThreadCpuTest {
    @Test
    void namesTheBusiestThreadsOfAWindowSummedByName() {
        ThreadCpu before = new ThreadCpu(Map.of(1L, new ThreadCpu.Thread("main", 100_000, 0),
                2L, new ThreadCpu.Thread("C2 CompilerThread0", 50_000_000, 1_000_000),
                3L, new ThreadCpu.Thread("VM Thread", 10_000_000, 0)));
        ThreadCpu after = new ThreadCpu(Map.of(1L, new ThreadCpu.Thread("main", 100_000, 0),
                2L, new ThreadCpu.Thread("C2 CompilerThread0", 1_050_000_000, 3_000_000),
                3L, new ThreadCpu.Thread("VM Thread", 40_000_000, 0),
                4L, new ThreadCpu.Thread("C2 CompilerThread1", 200_000_000, 500_000)));
        assertEquals("C2 CompilerThreadN 1200.0 (2.5), VM Thread 30.0 (0.0)",
                ThreadCpu.describe(after.since(before), 1_000));
        assertEquals("C2 CompilerThreadN 1200.0 (2.5)", ThreadCpu.describe(after.since(before), 50_000));
        assertEquals("none read", ThreadCpu.describe(before.since(before), 1));
    }

    @Test
    void readsAProcesssThreadsAndNothingOfOneGone() {
        ThreadCpu now = ThreadCpu.of(ProcessHandle.current().pid()).orElseThrow();
        assertTrue(now.threads().values().stream().anyMatch(thread -> thread.name().startsWith("C")), now.toString());
        assertEquals(now.threads().keySet(), ThreadCpu.now().threads().keySet());
        assertEquals(Optional.empty(), ThreadCpu.of(Integer.MAX_VALUE));
    }
}
