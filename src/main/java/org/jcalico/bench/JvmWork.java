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

    /**
     * What the JVM did during a step of WALL microseconds, as the benches print it: its CPU in all and how many of the
     * machine's cores that kept busy for the step, its compiler threads' share, their compile time, the collections.
     */
    static String describe(long wallMicros, long processCpuMicros, long compilerCpuMicros, long compileMicros,
                           long collections, long pauseMicros) {
        return String.format("CPU %.0f ms in all (%.2f cores for the %.0f ms), of which its compiler threads %.0f ms"
                        + " (compiling %.0f ms of their wall time); %d collections, %.0f ms of pauses",
                processCpuMicros / 1000.0, wallMicros <= 0 ? 0.0 : (double) processCpuMicros / wallMicros, wallMicros / 1000.0,
                compilerCpuMicros / 1000.0, compileMicros / 1000.0, collections, pauseMicros / 1000.0);
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
