package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JvmWorkTest {
    @Test
    void countsTheProcessCpuAndTheCompilersWithinIt() {
        JvmWork jvm = new JvmWork();
        JvmWork.Mark before = jvm.mark();
        // 300 ms of this thread's own CPU, not of the clock: on 2 loaded cores the thread may run a fraction of the time
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long end = threads.getCurrentThreadCpuTime() + 300_000_000L;
        long sum = 0;
        while (threads.getCurrentThreadCpuTime() < end) {
            sum += Long.toString(sum).hashCode();
        }
        JvmWork.Mark after = jvm.mark();
        // counted in ticks of 10 ms: each of the two readings may be up to one short
        assertTrue(after.processCpuMicros(before) >= 280_000, "a thread's 300 ms of CPU: " + after.processCpuMicros(before) + " " + sum);
        assertTrue(after.compilerCpuMicros(before) <= after.processCpuMicros(before));
        assertTrue(after.compilerCpuMicros(before) >= 0);
    }
}
