package org.jcalico.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * What the JVM itself did while a measured step ran: the collections and their pauses, and the JIT's compile time
 * (summed over its compiler threads, so it can exceed the wall time), and the CPU time of the whole process and of its
 * compiler threads ({@link ProcessCpu}, in clock ticks: 10 ms here). Tells whether the slowest of a series of changes
 * met a collection, or a burst of compiling, rather than more work of its own; and how much of two cores the JIT took
 * beside the work measured (its compile time is wall time, which a compiler thread waiting for a core inflates).
 */
final class JvmWork {
    private static final long SELF = ProcessHandle.current().pid();
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();

    /** The counters at one moment. */
    record Mark(long collections, long pauseMillis, long compileMillis, ProcessCpu cpu) {
        long collections(Mark before) {
            return collections - before.collections;
        }

        /** The collectors' counters are in milliseconds: a pause shorter than one rounds either way. */
        long pauseMicros(Mark before) {
            return (pauseMillis - before.pauseMillis) * 1000;
        }

        long compileMicros(Mark before) {
            return (compileMillis - before.compileMillis) * 1000;
        }

        long compilerCpuMicros(Mark before) {
            return cpu.since(before.cpu).jitMillis() * 1000;
        }

        long processCpuMicros(Mark before) {
            return cpu.since(before.cpu).totalMillis() * 1000;
        }
    }

    Mark mark() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            count += Math.max(0, collector.getCollectionCount());
            millis += Math.max(0, collector.getCollectionTime());
        }
        ProcessCpu cpu = ProcessCpu.of(SELF).orElseThrow(() -> new IllegalStateException("this process's /proc/" + SELF + "/stat is unreadable"));
        return new Mark(count, millis, compiler != null && compiler.isCompilationTimeMonitoringSupported()
                ? compiler.getTotalCompilationTime() : 0, cpu);
    }
}
