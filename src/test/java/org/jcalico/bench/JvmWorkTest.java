package org.jcalico.bench;

import org.junit.jupiter.api.Tag;
import org.jcalico.testing.AloneTests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

@Tag(AloneTests.TAG)  // it measures CPU this JVM spends
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

    @Test
    void saysHowManyCoresTheJvmKeptBusyForTheStep() {
        // bench felix's first pass of session 34: 1,035 ms of wall, 1,760 ms of CPU, 940 of it the compiler threads'
        assertEquals("CPU 1760 ms in all (1.70 cores for the 1035 ms), of which its compiler threads 940 ms (compiling"
                        + " 1200 ms of their wall time); 74 collections, 92 ms of pauses",
                JvmWork.describe(1_035_000, 1_760_000, 940_000, 1_200_000, 74, 92_000));
        assertTrue(JvmWork.describe(0, 10_000, 0, 0, 0, 0).contains("(0.00 cores for the 0 ms)"), "no step, no ratio");
    }
}
