package org.jcalico.bgp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a namespace's kernel got each route, as `ip -ts monitor route` stamps it, watched from the start beside a
 * test's steps without slowing them: a test that finds a route late can say by how much.
 */
final class RouteWatch implements AutoCloseable {
    /** iproute2's short stamp, local time to the microsecond (the machine keeps UTC). */
    private static final Pattern ADDED = Pattern.compile("^\\[(\\d{4}-\\d\\d-\\d\\dT[0-9:.]+)\\] (\\S+) ");
    private final Process monitor;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private RouteWatch(Process monitor) {
        this.monitor = monitor;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(the monitor's output ended: " + e.getMessage() + ")");
            }
        });
    }

    static RouteWatch start(String namespace) throws IOException {
        return new RouteWatch(new ProcessBuilder("ip", "-n", namespace, "-ts", "monitor", "route").redirectErrorStream(true).start());
    }

    /** Whether the kernel has got a route to {@code prefix}, or gets one within {@code bound}. */
    boolean awaitLearnt(String prefix, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (learnt(prefix) == null) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /** When the kernel got a route to {@code prefix}, against {@code since}; or that it has not. */
    String describe(String prefix, Instant since) {
        Instant at = learnt(prefix);
        return at == null ? "h2's kernel has not got the route (monitor: " + lines.size() + " lines)"
                : "h2's kernel got the route " + Duration.between(since, at).toMillis() + " ms after the add returned";
    }

    /** When the monitor saw the kernel get a route to {@code prefix}: an upper bound (it stamps as it reads); null: not. */
    private Instant learnt(String prefix) {
        for (String line : lines) {
            Matcher added = ADDED.matcher(line);
            if (added.find() && added.group(2).equals(prefix)) {
                return LocalDateTime.parse(added.group(1)).toInstant(ZoneOffset.UTC);
            }
        }
        return null;
    }

    @Override
    public void close() {
        monitor.destroy();
    }
}
