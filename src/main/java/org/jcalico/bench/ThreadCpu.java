package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A process's CPU time so far by thread (/proc/PID/task/TID/stat, user + system), for telling which of its threads
 * spent a window's CPU: a benchmark's window of an idle agent that is sometimes busy for seconds (its compilers, its
 * loop, its collector?) is read by this, not guessed (docs/agent.md, "Session 55 (p-start)"). A thread that started
 * and ended between two readings is in neither: the process's total (ProcessCpu) says how much that was.
 */
public record ThreadCpu(Map<Long, Named> byTid) {
    /** A thread's name as /proc shows it (cut to 15 characters) and its CPU in milliseconds. */
    public record Named(String name, long millis) {
    }

    public ThreadCpu {
        byTid = Map.copyOf(byTid);
    }

    /** The process's threads' reading, or empty when it is gone. */
    public static Optional<ThreadCpu> of(long pid) {
        Map<Long, Named> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    threads.put(Long.parseLong(task.getFileName().toString()),
                            new Named(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ProcessCpu.millis(stat)));
                } catch (NoSuchFileException ended) {
                    // ended meanwhile: its time is in the process's total
                }
            }
            return Optional.of(new ThreadCpu(threads));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The threads that spent CPU since {@code before}, by name (threads of one name summed, e.g. "C2 CompilerThre"),
     * the busiest first, at most {@code limit}: "C2 CompilerThre 1.20 s, VM Thread 0.05 s".
     */
    public String busiestSince(ThreadCpu before, int limit) {
        Map<String, Long> spent = new HashMap<>();
        byTid.forEach((tid, now) -> {
            Named was = before.byTid.get(tid);
            long millis = now.millis - (was == null ? 0 : was.millis);
            if (millis > 0) {
                spent.merge(now.name, millis, Long::sum);
            }
        });
        String busiest = spent.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(limit).map(entry -> String.format("%s %.2f s", entry.getKey(), entry.getValue() / 1000.0))
                .collect(Collectors.joining(", "));
        return busiest.isEmpty() ? "none" : busiest;
    }
}
