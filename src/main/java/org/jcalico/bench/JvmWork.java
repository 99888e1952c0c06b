package org.jcalico.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jcalico.kernel.ProcStat;

/**
 * What the JVM itself did while a measured step ran: the collections and their pauses, and the JIT's compile time
 * (summed over its compiler threads, so it can exceed the wall time), and the CPU time of the whole process and of its
 * compiler threads (read from /proc, in clock ticks: 10 ms here). Tells whether the slowest of a series of changes
 * met a collection, or a burst of compiling, rather than more work of its own; and how much of two cores the JIT took
 * beside the work measured (its compile time is wall time, which a compiler thread waiting for a core inflates).
 */
final class JvmWork {
    /** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture jcalico runs on. */
    private static final long TICKS_PER_SECOND = 100;
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();

    /** The counters at one moment. */
    record Mark(long collections, long pauseMillis, long compileMillis, long compilerCpuMicros, long processCpuMicros) {
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
            return compilerCpuMicros - before.compilerCpuMicros;
        }

        long processCpuMicros(Mark before) {
            return processCpuMicros - before.processCpuMicros;
        }
    }

    Mark mark() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            count += Math.max(0, collector.getCollectionCount());
            millis += Math.max(0, collector.getCollectionTime());
        }
        long[] cpu = threadsCpuMicros();
        return new Mark(count, millis, compiler != null && compiler.isCompilationTimeMonitoringSupported()
                ? compiler.getTotalCompilationTime() : 0, cpu[0], cpu[1]);
    }

    /** The CPU time of this JVM's compiler threads (HotSpot names them "C1 CompilerThread0" ...) and of all its threads. */
    private static long[] threadsCpuMicros() {
        long compilers = 0;
        long all = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    long micros = cpuMicros(Files.readString(task.resolve("stat")));
                    all += micros;
                    compilers += Files.readString(task.resolve("comm")).contains("CompilerThre") ? micros : 0;
                } catch (IOException e) {
                    // the thread ended meanwhile: its time is in neither mark
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new long[] {compilers, all};
    }

    /** utime + stime of a task's stat line (the 14th and 15th fields; the name before them may hold spaces). */
    static long cpuMicros(String stat) {
        String[] fields = ProcStat.fieldsAfterName(stat);
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1_000_000 / TICKS_PER_SECOND;
    }
}
