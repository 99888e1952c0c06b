package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A process's CPU from /proc: this test's own JVM, whose JIT has compiled by now, and a process that is gone. */
class ProcessCpuTest {
    @Test
    void readsAProcesssCpuAndItsJitCompilersShare() {
        ProcessCpu before = ProcessCpu.of(ProcessHandle.current().pid()).orElseThrow();
        assertTrue(before.jitMillis() > 0, "this JVM's compilers have run: " + before);
        assertTrue(before.totalMillis() >= before.jitMillis(), before.toString());
        long spin = System.nanoTime() + 300_000_000L;
        long sum = 0;
        while (System.nanoTime() < spin) {
            sum += Long.numberOfTrailingZeros(sum + System.nanoTime());
        }
        ProcessCpu spent = ProcessCpu.of(ProcessHandle.current().pid()).orElseThrow().since(before);
        assertTrue(spent.totalMillis() >= 200, "300 ms of spinning (" + sum + ") shows: " + spent);
        assertEquals(new ProcessCpu(before.totalMillis() + spent.totalMillis(), before.jitMillis() + spent.jitMillis()),
                before.plus(spent));
    }

    @Test
    void aProcessThatIsGoneHasNone() {
        assertEquals(Optional.empty(), ProcessCpu.of(Integer.MAX_VALUE));
    }
}
