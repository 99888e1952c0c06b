package org.jcalico.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;

/**
 * Whether traffic gets through: one ping, or one TCP connection, from inside a namespace to an address. Many probes
 * run at once, so that a matrix with refused cells costs one timeout, not one per cell.
 */
public record Probe(String fromNamespace, IpAddress to, Kind kind, int port) {
    public enum Kind { ping, tcp }

    private static final int TIMEOUT_SECONDS = 1;

    public static Probe ping(String from, IpAddress to) {
        return new Probe(from, to, Kind.ping, 0);
    }

    public static Probe tcp(String from, IpAddress to, int port) {
        return new Probe(from, to, Kind.tcp, port);
    }

    public boolean succeeds() {
        List<String> command = kind == Kind.ping
                ? List.of("busybox", "ping", "-c", "1", "-W", String.valueOf(TIMEOUT_SECONDS), to.toString())
                : List.of("timeout", String.valueOf(TIMEOUT_SECONDS), "bash", "-c", "exec 3<>/dev/tcp/" + to + "/" + port);
        return CommandRunner.inNamespace(fromNamespace).run(command).ok();
    }

    /** Runs all probes concurrently; the results in the same order. */
    public static List<Boolean> runAll(List<Probe> probes) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (Probe probe : probes) {
                futures.add(pool.submit(probe::succeeds));
            }
            List<Boolean> results = new ArrayList<>();
            for (Future<Boolean> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public String toString() {
        return fromNamespace + " -> " + to + (kind == Kind.tcp ? " tcp/" + port : " ping");
    }
}
