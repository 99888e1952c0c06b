package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JvmWorkTest {
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
