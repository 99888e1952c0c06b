package org.jcalico.bench;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A process's threads' time on a core and waiting for one, by thread, in nanoseconds (/proc/PID/task/TID/schedstat:
 * time run, time runnable but waiting on a run queue), so that a benchmark can say which thread spent what during a
 * step, and whether a slow step ran long, waited for a core, or neither (blocked: on a lock, a reply, a hand-over to
 * another thread). On a shared machine the time a step's threads ran is a figure the load stretches far less than its
 * wall time, and the time they waited is the load's share. Read of the bench's own worker around each add (docs/
 * dataplane.md, "Session 55 (p-cold)") and of an agent over an idle window that is sometimes busy for seconds (docs/
 * agent.md, "Session 55 (p-start)"). Threads are told apart by id and summed by name with their last digits dropped ("C2
 * CompilerThread0" and "...1" are one compiler); a thread that ended during the step is lost.
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

    ThreadCpu {
        threads = Map.copyOf(threads);
    }

    /** This process's reading now. */
    static ThreadCpu now() {
        return read("self").orElse(new ThreadCpu(Map.of()));
    }

    /** The process PID's reading now, or empty when it is gone. */
    static Optional<ThreadCpu> of(long pid) {
        return read(Long.toString(pid));
    }

    /**
     * Read with one small buffer and no parsing objects: the bench reads its worker around each add, and the worker's
     * heap after its start is a few MB (a reading through Files.readString allocated 400 KB, a young collection every
     * two or three adds that the adds then met).
     */
    private static Optional<ThreadCpu> read(String process) {
        String[] tasks = new File("/proc/" + process + "/task").list();
        if (tasks == null) {
            return Optional.empty();
        }
        Map<Long, Thread> threads = new HashMap<>();
        byte[] buffer = new byte[128];
        for (String task : tasks) {
            String dir = "/proc/" + process + "/task/" + task + "/";
            int nameLength = read(dir + "comm", buffer);
            if (nameLength <= 0) {
                continue; // ended while listed
            }
            String name = new String(buffer, 0, nameLength - 1, StandardCharsets.US_ASCII);
            int statLength = read(dir + "schedstat", buffer);
            if (statLength <= 0) {
                continue; // ended meanwhile, or a kernel without schedstats
            }
            int space = indexOf(buffer, statLength, 0);
            threads.put(Long.parseLong(task), new Thread(name, number(buffer, 0, space),
                    number(buffer, space + 1, indexOf(buffer, statLength, space + 1))));
        }
        return Optional.of(new ThreadCpu(threads));
    }

    /** The file's first bytes into BUFFER; how many, or -1 when it cannot be read. */
    private static int read(String path, byte[] buffer) {
        try (FileInputStream in = new FileInputStream(path)) {
            return in.read(buffer);
        } catch (IOException e) {
            return -1;
        }
    }

    private static int indexOf(byte[] buffer, int length, int from) {
        for (int i = from; i < length; i++) {
            if (buffer[i] == ' ' || buffer[i] == '\n') {
                return i;
            }
        }
        return length;
    }

    private static long number(byte[] buffer, int from, int to) {
        long value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + (buffer[i] - '0');
        }
        return value;
    }

    /** What each name's threads did since BEFORE (a thread started since counts from zero); only those that ran. */
    Map<String, Spent> since(ThreadCpu before) {
        Map<String, Spent> byName = new TreeMap<>();
        threads.forEach((id, thread) -> {
            Thread earlier = before.threads.getOrDefault(id, new Thread(thread.name, 0, 0));
            Spent spent = new Spent((thread.ran - earlier.ran) / 1000, (thread.waited - earlier.waited) / 1000);
            if (spent.ran > 0) {
                byName.merge(thread.name.replaceAll("[0-9]+$", "N"), spent, Spent::plus);
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
