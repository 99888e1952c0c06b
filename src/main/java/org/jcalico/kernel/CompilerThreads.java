package org.jcalico.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The nice value of this JVM's JIT compiler threads ("C1 CompilerThreadN", "C2 CompilerThreadN"), set per thread with
 * setpriority(2) on their thread ids (Linux keeps a nice value per thread; a thread a compiler thread starts, as HotSpot
 * adds them on demand, inherits it). Lowering one's own threads' priority needs no privilege. The other threads keep
 * theirs: on a shared machine's scheduler (autogroup) this orders the process's own threads among themselves, and
 * leaves its share against other processes as it was (docs/agent.md, "A served `container add`", session 38).
 */
public final class CompilerThreads {
    /** The lowest priority: a compiler thread then runs when the process's other threads leave a core idle. */
    public static final int LOWEST = 19;
    private static final int PRIO_PROCESS = 0;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SETPRIORITY = Native.libc("setpriority",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Path TASKS = Path.of("/proc/self/task");

    private CompilerThreads() {
    }

    /**
     * Sets NICE on every compiler thread of this JVM; returns how many there were. A {@link KernelException} if one's
     * priority cannot be set (a thread that ended meanwhile is skipped).
     */
    public static int setNice(int nice) {
        return setNice(nice, CompilerThreads::isCompiler);
    }

    /**
     * The nice value of the calling thread: what compiler threads lowered for a while are given back, so that a JVM
     * started at a nice value of its own keeps it. A {@link KernelException} if unreadable.
     */
    public static int callersNice() {
        return niceOf(Path.of("/proc/thread-self"));
    }

    /** The nice value of TASK (/proc/PID/task/TID): field 19 of its stat. A {@link KernelException} if unreadable. */
    public static int niceOf(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // the fields after the name, which is in parentheses and may hold spaces: nice is the 17th of them
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException | RuntimeException e) {
            throw new KernelException("cannot read the nice value of " + task + ": " + e);
        }
    }

    /**
     * The nice values of this JVM's compiler threads as /proc shows them, by compiler ("C1", "C2"): what a bench prints
     * of the JVM its changes met. A {@link KernelException} if unreadable.
     */
    public static Map<String, Set<Integer>> niceValues() {
        Map<String, Set<Integer>> nice = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : tasks.toList()) {
                String name = name(task);
                if (!isCompiler(name)) {
                    continue;
                }
                int value;
                try {
                    value = niceOf(task);
                } catch (KernelException e) {
                    if (Files.exists(task)) {
                        throw e;
                    }
                    continue; // HotSpot ends idle compiler threads it added on demand: this one ended since it was listed
                }
                nice.computeIfAbsent(name.substring(0, 2), compiler -> new TreeSet<>()).add(value);
            }
        } catch (IOException e) {
            throw new KernelException("cannot list this JVM's threads: " + e);
        }
        return nice;
    }

    /** As {@link #setNice(int)}, for the optimizing compiler's threads (C2) only. */
    public static int setNiceOfOptimizing(int nice) {
        return setNice(nice, name -> name.startsWith("C2 CompilerThre"));
    }

    private static int setNice(int nice, Predicate<String> compiler) {
        int set = 0;
        try (Stream<Path> tasks = Files.list(TASKS); Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            for (Path task : tasks.toList()) {
                if (!compiler.test(name(task))) {
                    continue;
                }
                int tid = Integer.parseInt(task.getFileName().toString());
                if ((int) SETPRIORITY.invoke(state, PRIO_PROCESS, tid, nice) == 0) {
                    set++;
                } else if ((int) ERRNO.get(state, 0L) != 3) { // ESRCH: the thread ended since it was listed
                    throw new KernelException("cannot set the nice value of compiler thread " + tid + ": errno " + ERRNO.get(state, 0L));
                }
            }
        } catch (KernelException e) {
            throw e;
        } catch (Throwable e) {
            throw new KernelException("cannot set the compiler threads' nice value: " + e);
        }
        return set;
    }

    /** Whether a thread of this name (as /proc shows it, cut to 15 characters) is one of the JIT's compilers. */
    public static boolean isCompiler(String threadName) {
        return threadName.startsWith("C1 CompilerThre") || threadName.startsWith("C2 CompilerThre");
    }

    /** The name of TASK (/proc/self/task/TID), at most 15 characters ("C2 CompilerThre"); "" for one that ended. */
    public static String name(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
            return ""; // ended since it was listed
        }
    }
}
