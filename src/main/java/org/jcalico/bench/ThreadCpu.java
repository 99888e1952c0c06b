package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * This process's threads' time on a core and waiting for one, by thread, in nanoseconds (/proc/self/task/TID/schedstat:
 * time run, time runnable but waiting on a run queue), so that a benchmark can say which thread spent what during a
 * step, and whether a slow step ran long, waited for a core, or neither (blocked: on a lock, a reply, a hand-over to
 * another thread). On a shared machine the time a step's threads ran is a figure the load stretches far less than its
 * wall time, and the time they waited is the load's share. Threads are told apart by id and summed by name with the
 * digits dropped ("C2 CompilerThread0" and "...1" are one compiler); a thread that ended during the step is lost.
 */
record ThreadCpu(Map<Long, Thread> threads) {
    /** One thread's name, nanoseconds run and nanoseconds waited for a core so far. */
    record Thread(String name, long ran, long waited) {
    }

    /** What a name's threads did during a step, in microseconds. */
    record Spent(long ran, long waited) {
        Spent plus(Spent more) {
            return new Spent(ran + more.ran, waited + more.waited);
        }
    }

    static ThreadCpu now() {
        Map<Long, Thread> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    String[] stat = Files.readString(task.resolve("schedstat")).strip().split(" ");
                    threads.put(Long.parseLong(task.getFileName().toString()),
                            new Thread(name, Long.parseLong(stat[0]), Long.parseLong(stat[1])));
                } catch (NoSuchFileException ended) {
                    // ended while listed (or a kernel without schedstats: then nothing is read)
                }
            }
        } catch (IOException | RuntimeException e) {
            return new ThreadCpu(Map.of());
        }
        return new ThreadCpu(threads);
    }

    /** What each name's threads did since BEFORE (a thread started since counts from zero); only those that ran. */
    Map<String, Spent> since(ThreadCpu before) {
        Map<String, Spent> byName = new TreeMap<>();
        threads.forEach((id, thread) -> {
            Thread earlier = before.threads.getOrDefault(id, new Thread(thread.name, 0, 0));
            Spent spent = new Spent((thread.ran - earlier.ran) / 1000, (thread.waited - earlier.waited) / 1000);
            if (spent.ran > 0) {
                byName.merge(thread.name.replaceAll("[0-9]+", "N"), spent, Spent::plus);
            }
        });
        return byName;
    }

    /** The lines a worker prints of SPENT under KEY, for {@link #parse}. */
    static String lines(String key, Map<String, Spent> spent) {
        StringBuilder lines = new StringBuilder();
        spent.forEach((name, time) -> lines.append(key).append(' ').append(time.ran).append(' ').append(time.waited)
                .append(' ').append(name.replace(' ', '_')).append('\n'));
        return lines.toString();
    }

    /** One of {@link #lines}' lines split into words, into SPENT. */
    static void parse(String[] words, Map<String, Spent> spent) {
        spent.put(words[3].replace('_', ' '), new Spent(Long.parseLong(words[1]), Long.parseLong(words[2])));
    }

    /** "name 120.0 (3.1), ...": ms on a core (ms waiting for one) of the threads that ran at least MIN_MICROS, most first. */
    static String describe(Map<String, Spent> spent, long minMicros) {
        StringBuilder text = new StringBuilder();
        spent.entrySet().stream().filter(entry -> entry.getValue().ran >= minMicros)
                .sorted((a, b) -> Long.compare(b.getValue().ran, a.getValue().ran)).forEach(entry -> text
                        .append(text.isEmpty() ? "" : ", ").append(entry.getKey()).append(String.format(" %.1f (%.1f)",
                                entry.getValue().ran / 1000.0, entry.getValue().waited / 1000.0)));
        return text.isEmpty() ? "none read" : text.toString();
    }
}
