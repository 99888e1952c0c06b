package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.jcalico.kernel.ProcStat;

/**
 * A process's CPU time so far (user + system, /proc/PID/stat) and, of it, its JIT compiler threads' (the JVM names
 * them "C1 CompilerThreadN" and "C2 CompilerThreadN", which /proc shows cut to 15 characters), in milliseconds. The
 * difference of two readings is what a process spent between them: a benchmark tells by it what the agent's JVM
 * spends on the machine's cores beside the work it measures.
 */
public record ProcessCpu(long totalMillis, long jitMillis) {
    /** /proc's clock ticks: USER_HZ, 100 on every Linux of today's ABI. */
    private static final long MILLIS_PER_TICK = 10;

    /** The process's reading, or empty when it is gone (or gone while read). */
    public static Optional<ProcessCpu> of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            long jit = 0;
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (NoSuchFileException ended) {
                    continue; // a thread that ended meanwhile: its time is in the process's
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    jit += millis(stat);
                }
            }
            return Optional.of(new ProcessCpu(millis(Files.readString(proc.resolve("stat"))), jit));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** What was spent from {@code before} to this reading. */
    public ProcessCpu since(ProcessCpu before) {
        return new ProcessCpu(totalMillis - before.totalMillis, jitMillis - before.jitMillis);
    }

    /** This and {@code more} together. */
    public ProcessCpu plus(ProcessCpu more) {
        return new ProcessCpu(totalMillis + more.totalMillis, jitMillis + more.jitMillis);
    }

    /** utime + stime: fields 14 and 15 of stat, counted after the command name, which may hold spaces and ')'. */
    static long millis(String stat) {
        String[] fields = ProcStat.fieldsAfterName(stat);
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MILLIS_PER_TICK;
    }
}
