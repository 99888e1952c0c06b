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
 * them "C1 CompilerThreadN" and "C2 CompilerThreadN", which /proc shows cut to 15 characters) and its collector's (the
 * serial collector collects on the "VM Thread"), in milliseconds; and its minor page faults, of them its compilers'.
 * The difference of two readings is what a process spent between them: a benchmark tells by it what the agent's JVM
 * spends on the machine's cores beside the work it measures, in figures the machine's load stretches less than wall
 * time (a fault costs some 20 us on this machine's guest, docs/agent.md, session 40).
 */
public record ProcessCpu(long totalMillis, long jitMillis, long collectorMillis, long faults, long jitFaults) {
    /** /proc's clock ticks: USER_HZ, 100 on every Linux of today's ABI. */
    private static final long MILLIS_PER_TICK = 10;

    /** The process's reading, or empty when it is gone (or gone while read). */
    public static Optional<ProcessCpu> of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            long jit = 0;
            long collector = 0;
            long jitFaults = 0;
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (NoSuchFileException ended) {
                    continue; // a thread that ended meanwhile: its time is in the process's
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (org.jcalico.kernel.CompilerThreads.isCompiler(name)) {
                    jit += millis(stat);
                    jitFaults += faults(stat);
                } else if (name.equals("VM Thread")) {
                    collector += millis(stat);
                }
            }
            String stat = Files.readString(proc.resolve("stat"));
            return Optional.of(new ProcessCpu(millis(stat), jit, collector, faults(stat), jitFaults));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** What was spent from {@code before} to this reading. */
    public ProcessCpu since(ProcessCpu before) {
        return new ProcessCpu(totalMillis - before.totalMillis, jitMillis - before.jitMillis,
                collectorMillis - before.collectorMillis, faults - before.faults, jitFaults - before.jitFaults);
    }

    /** This and {@code more} together. */
    public ProcessCpu plus(ProcessCpu more) {
        return new ProcessCpu(totalMillis + more.totalMillis, jitMillis + more.jitMillis,
                collectorMillis + more.collectorMillis, faults + more.faults, jitFaults + more.jitFaults);
    }

    /** utime + stime: fields 14 and 15 of stat, counted after the command name, which may hold spaces and ')'. */
    static long millis(String stat) {
        String[] fields = ProcStat.fieldsAfterName(stat);
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MILLIS_PER_TICK;
    }

    /**
     * The CPU time (user + system) of this process's children that it has waited for (cutime + cstime, fields 16 and
     * 17 of /proc/self/stat), in milliseconds: what the tools it ran spent, in ticks of 10 ms.
     */
    public static long waitedChildrenMillis() {
        try {
            String[] fields = ProcStat.fieldsAfterName(Files.readString(Path.of("/proc/self/stat")));
            return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) * MILLIS_PER_TICK;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The CPU this process's tools have spent so far, in milliseconds: those it waited for ({@link
     * #waitedChildrenMillis}) and those still running (a long-lived iptables-restore, whose time is in no figure of this
     * process's own until it ends). The difference of two readings is what its tools spent between them.
     */
    public static long toolsMillis() {
        return waitedChildrenMillis() + ProcessHandle.current().descendants()
                .mapToLong(tool -> of(tool.pid()).map(ProcessCpu::totalMillis).orElse(0L)).sum();
    }

    /** minflt: field 10 of stat, the faults served without reading a file (a fresh page's first touch among them). */
    static long faults(String stat) {
        return Long.parseLong(ProcStat.fieldsAfterName(stat)[7]);
    }
}
