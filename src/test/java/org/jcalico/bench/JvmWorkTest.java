package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JvmWorkTest {
    @Test
    void readsATasksCpuAfterANameWithSpacesAndParentheses() {
        // pid (comm) state ppid ... utime (14th) stime (15th) ...
        String stat = "4242 (C2 Compiler) x) S 1 4242 4242 0 -1 4194624 900 0 0 0 123 45 0 0 20 0 30 0 1000 0 0";
        assertEquals((123 + 45) * 10_000L, JvmWork.cpuMicros(stat));
    }

    @Test
    void countsTheProcessCpuAndTheCompilersWithinIt() {
        JvmWork jvm = new JvmWork();
        JvmWork.Mark before = jvm.mark();
        long end = System.nanoTime() + 300_000_000L;
        long sum = 0;
        while (System.nanoTime() < end) {
            sum += Long.toString(sum).hashCode();
        }
        JvmWork.Mark after = jvm.mark();
        assertTrue(after.processCpuMicros(before) >= 200_000, "a busy thread's 300 ms: " + after.processCpuMicros(before) + " " + sum);
        assertTrue(after.compilerCpuMicros(before) <= after.processCpuMicros(before));
        assertTrue(after.compilerCpuMicros(before) >= 0);
    }
}
