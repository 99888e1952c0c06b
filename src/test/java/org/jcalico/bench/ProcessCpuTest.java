package org.jcalico.bench;

import org.junit.jupiter.api.Tag;
import org.jcalico.testing.AloneTests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A process's CPU from /proc: this test's own JVM, whose JIT has compiled by now, and a process that is gone. */
@Tag(AloneTests.TAG)  // it measures CPU this JVM spends
class ProcessCpuTest {
    @Test
    void readsAProcesssCpuAndItsJitCompilersShare() {
        ProcessCpu before = ProcessCpu.of(ProcessHandle.current().pid()).orElseThrow();
        assertTrue(before.jitMillis() > 0, "this JVM's compilers have run: " + before);
        assertTrue(before.totalMillis() >= before.jitMillis(), before.toString());
        // 300 ms of this thread's own CPU, not of the clock: on 2 loaded cores the thread may run a fraction of the time
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long end = threads.getCurrentThreadCpuTime() + 300_000_000L;
        long sum = 0;
        while (threads.getCurrentThreadCpuTime() < end) {
            sum += Long.numberOfTrailingZeros(sum + System.nanoTime());
        }
        ProcessCpu spent = ProcessCpu.of(ProcessHandle.current().pid()).orElseThrow().since(before);
        // /proc counts in ticks of 10 ms: each of the two readings may be up to one short
        assertTrue(spent.totalMillis() >= 280, "a thread's 300 ms of CPU (" + sum + ") shows: " + spent);
        assertTrue(spent.faults() >= 0 && before.faults() >= before.jitFaults() && before.jitFaults() > 0, before.toString());
        assertEquals(new ProcessCpu(before.totalMillis() + spent.totalMillis(), before.jitMillis() + spent.jitMillis(),
                before.collectorMillis() + spent.collectorMillis(), before.faults() + spent.faults(),
                before.jitFaults() + spent.jitFaults()), before.plus(spent));
    }

    @Test
    void countsTheCpuOfItsToolsWhileTheyRunAndOnceWaitedFor() throws Exception {
        long waited = ProcessCpu.waitedChildrenMillis();
        long tools = ProcessCpu.toolsMillis();
        // a tool that spins until its CPU limit of 1 s ends it (SIGXCPU): its own CPU, however loaded the cores
        Process tool = new ProcessBuilder("sh", "-c", "ulimit -t 1; while :; do :; done").start();
        while (ProcessCpu.of(tool.pid()).map(ProcessCpu::totalMillis).orElse(1000L) < 300) {
            Thread.sleep(20);
        }
        // still running (a long-lived restore's case): in no figure of this process's own, but in its tools'
        long running = ProcessCpu.toolsMillis() - tools;
        assertTrue(running >= 300 || !tool.isAlive(), "a running tool's CPU: " + running + " ms");
        tool.waitFor();
        long spent = ProcessCpu.waitedChildrenMillis() - waited;
        // the kernel ends it at its second of CPU as it counts it (0.87-1.0 s read here, in ticks of 10 ms)
        assertTrue(spent >= 500, "a tool's second of CPU shows once it is waited for: " + spent + " ms");
        // once ended, in the waited-for children's (other tools of this JVM's, if any, only add)
        long after = ProcessCpu.toolsMillis() - tools;
        assertTrue(after >= spent && after < spent + 300 + running, "once ended, its CPU counts once: " + after + " ms");
    }

    @Test
    void readsATasksCpuAndFaultsAfterANameWithSpacesAndParentheses() {
        // pid (comm) state ppid ... utime (14th) stime (15th) ...
        String stat = "4242 (C2 Compiler) x) S 1 4242 4242 0 -1 4194624 900 0 0 0 123 45 0 0 20 0 30 0 1000 0 0";
        assertEquals((123 + 45) * 10L, ProcessCpu.millis(stat));
        assertEquals(900, ProcessCpu.faults(stat));
    }

    @Test
    void aProcessThatIsGoneHasNone() {
        assertEquals(Optional.empty(), ProcessCpu.of(Integer.MAX_VALUE));
    }
}
