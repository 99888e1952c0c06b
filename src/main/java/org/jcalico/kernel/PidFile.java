package org.jcalico.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A daemon's pid file, and the process it names only if that process is the one that wrote it: after a daemon dies,
 * the kernel hands its pid to any later process, and stopping "the agent" must never kill that one. A pid file of
 * ours holds the pid and the process's start time (field 22 of /proc/PID/stat, in clock ticks since boot), which a
 * later process with the same pid cannot have; every pid file, ours or a daemon's own (BIRD writes its pid alone),
 * is also checked against the command line the daemon was started with.
 */
public final class PidFile {
    private static final long EXIT_POLL_MILLIS = 10;
    private PidFile() {
    }

    /** Writes "PID START" for this process, atomically (a reader never sees half a file). */
    public static void writeSelf(Path file) throws IOException {
        long pid = ProcessHandle.current().pid();
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, pid + " " + startTime(pid).orElseThrow(() -> new IOException("no /proc/self/stat"))
                + "\n");
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The live process the file names, if its start time matches the one recorded (when the file has one) and its
     * command line (the arguments as /proc/PID/cmdline has them) satisfies {@code expected}.
     */
    public static Optional<ProcessHandle> liveProcess(Path file, Predicate<List<String>> expected) {
        String[] fields;
        try {
            fields = Files.readString(file).strip().split("\\s+");
        } catch (IOException e) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(fields[0]);
            Optional<Long> recordedStart = fields.length > 1 ? Optional.of(Long.parseLong(fields[1])) : Optional.empty();
            Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            if (handle.isEmpty() || recordedStart.isPresent() && !recordedStart.equals(startTime(pid))) {
                return Optional.empty();
            }
            return commandLine(pid).filter(expected).flatMap(ignored -> handle.filter(ProcessHandle::isAlive));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Field 22 of /proc/PID/stat; the fields are counted after the command name, which may hold spaces and ')'. */
    static Optional<Long> startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Optional.of(Long.parseLong(ProcStat.fieldsAfterName(stat)[19]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<List<String>> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String text = new String(raw, StandardCharsets.UTF_8);
            return Optional.of(Arrays.asList(text.endsWith("\0") ? text.substring(0, text.length() - 1).split("\0", -1)
                    : text.split("\0", -1)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code args} holds {@code words} one right after another. */
    public static boolean contains(List<String> args, List<String> words) {
        return java.util.Collections.indexOfSubList(args, words) >= 0;
    }

    /**
     * Waits up to {@code seconds} for a daemon told to stop to exit, then kills it and waits as long again: one hung or
     * stopped with SIGSTOP keeps its SIGTERM pending for ever, and whoever stops it (`node stop`, an agent restarting
     * ulogd) waited as long.
     */
    public static void awaitExitOrKill(ProcessHandle daemon, long seconds) {
        if (!awaitExit(daemon, seconds)) {
            daemon.destroyForcibly();
            awaitExit(daemon, seconds);
        }
    }

    /**
     * Whether the process has exited: gone, or a zombie its parent has not reaped yet. A daemon's parent is init once
     * it has detached, which reaps it when it gets to it (1.5 s after the exit on the CI machine, session 51); a zombie
     * holds no socket, file or lock any more, so whoever stops a daemon need not wait for its reaping.
     */
    public static boolean exited(ProcessHandle process) {
        return !process.isAlive() || zombie(process.pid());
    }

    private static boolean zombie(long pid) {
        try {
            return ProcStat.fieldsAfterName(Files.readString(Path.of("/proc", Long.toString(pid), "stat")))[0].equals("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Polled: ProcessHandle.onExit of a process that is not this JVM's child polls from 300 ms on, and completes only
     * once the process is reaped.
     */
    private static boolean awaitExit(ProcessHandle daemon, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!exited(daemon)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(EXIT_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
