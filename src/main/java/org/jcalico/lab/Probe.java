package org.jcalico.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;

/**
 * Whether traffic gets through: one ping, one TCP connection, or one UDP datagram (sent; nothing tells whether it
 * arrived) from inside a namespace to an address. Many probes run at once, so that a matrix with refused cells costs
 * one timeout, not one per cell.
 */
public record Probe(String fromNamespace, IpAddress to, Kind kind, int port) {
    public enum Kind { ping, tcp, udp }

    private static final int TIMEOUT_SECONDS = 1;

    public static Probe ping(String from, IpAddress to) {
        return new Probe(from, to, Kind.ping, 0);
    }

    public static Probe tcp(String from, IpAddress to, int port) {
        return new Probe(from, to, Kind.tcp, port);
    }

    public static Probe udp(String from, IpAddress to, int port) {
        return new Probe(from, to, Kind.udp, port);
    }

    public boolean succeeds() {
        return CommandRunner.inNamespace(fromNamespace).run(command()).ok();
    }

    /** The command that sends the probe, to run in the sending namespace: one packet, and a second at most. */
    public List<String> command() {
        return switch (kind) {
            case ping -> List.of("busybox", "ping", "-c", "1", "-W", String.valueOf(TIMEOUT_SECONDS), to.toString());
            case tcp -> List.of("timeout", String.valueOf(TIMEOUT_SECONDS), "bash", "-c", "exec 3<>/dev/tcp/" + to + "/" + port);
            case udp -> List.of("timeout", String.valueOf(TIMEOUT_SECONDS), "bash", "-c", "echo probe >/dev/udp/" + to + "/" + port);
        };
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
        return fromNamespace + " -> " + to + (kind == Kind.ping ? " ping" : " " + kind + "/" + port);
    }
}
