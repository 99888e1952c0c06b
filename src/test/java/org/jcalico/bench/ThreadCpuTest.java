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
        ThreadCpu before = new ThreadCpu(Map.of(1L, new ThreadCpu.Named("main", 100), 2L, new ThreadCpu.Named("C2 CompilerThre", 50),
                3L, new ThreadCpu.Named("VM Thread", 10)));
        ThreadCpu after = new ThreadCpu(Map.of(1L, new ThreadCpu.Named("main", 100), 2L, new ThreadCpu.Named("C2 CompilerThre", 1050),
                3L, new ThreadCpu.Named("VM Thread", 40), 4L, new ThreadCpu.Named("C2 CompilerThre", 200)));
        assertEquals("C2 CompilerThre 1.20 s, VM Thread 0.03 s", after.busiestSince(before, 4));
        assertEquals("C2 CompilerThre 1.20 s", after.busiestSince(before, 1));
        assertEquals("none", before.busiestSince(before, 4));
    }

    @Test
    void readsThisProcesssThreads() {
        ThreadCpu now = ThreadCpu.of(ProcessHandle.current().pid()).orElseThrow();
        assertTrue(now.byTid().values().stream().anyMatch(thread -> thread.name().startsWith("C")), now.toString());
        assertEquals(Optional.empty(), ThreadCpu.of(Integer.MAX_VALUE));
    }
}
