package org.jcalico.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How often threads of this process went to sleep, as the kernel counts them: the voluntary context switches in
 * /proc/self/task/TID/status (those the machine's load forces on a running thread are not counted). An idle thread that looks every few milliseconds switches hundreds of times a second,
 * one that looks twice a second a few times, whatever the machine. Its CPU time does not say that reliably on a
 * virtual machine whose host is busy: there a 100 us look was seen charged as milliseconds (session 33: 34 ms in 2 s
 * for five looks on CI's machine, 2-3 ms here).
 */
public final class ThreadWakes {
    private ThreadWakes() {
    }

    /**
     * The switches so far of each thread of this process whose kernel name starts with PREFIX, by thread id. The JVM
     * gives a thread the first 15 characters of its Java name as its kernel name.
     */
    public static Map<Integer, Long> of(String prefix) {
        Map<Integer, Long> switches = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().startsWith(prefix)) {
                        switches.put(Integer.parseInt(task.getFileName().toString()), switchesOf(task));
                    }
                } catch (IOException e) {
                    // the thread ended while it was read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return switches;
    }

    /** The most switches any thread of BEFORE made since, among those still there. */
    public static long mostSince(Map<Integer, Long> before, String prefix) {
        Map<Integer, Long> after = of(prefix);
        return before.entrySet().stream().filter(entry -> after.containsKey(entry.getKey()))
                .mapToLong(entry -> after.get(entry.getKey()) - entry.getValue()).max().orElseThrow();
    }

    private static long switchesOf(Path task) throws IOException {
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        throw new IOException("no voluntary_ctxt_switches in " + task.resolve("status"));
    }
}
