package org.jcalico.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.jcalico.model.IpAddress;

/**
 * When a new endpoint first answers: a ping every millisecond from inside a namespace, for at most 10 s. The pinger
 * is started, and running, before the clock starts: what is timed is the command's path and the first answer, not
 * the bench's own process starts beside it (until session 39 two pingers, `nsenter` and busybox each, started with
 * the command on two cores, and pinged every 10 ms, which added 0-10 ms, 5 on average, to every first ping).
 */
final class FirstReply implements AutoCloseable {
    /** Busybox's -i; the resolution of what this measures. */
    static final String INTERVAL_SECONDS = "0.001";

    private final Process ping;
    private final BufferedReader lines;

    private FirstReply(Process ping) {
        this.ping = ping;
        this.lines = new BufferedReader(new InputStreamReader(ping.getInputStream()));
    }

    /**
     * Starts pinging the address and returns once busybox has its ICMP socket, about to send its first echo. Its output
     * cannot say so: busybox prints through stdio, which a pipe buffers, and flushes at each reply (so the first line,
     * "PING ...", comes with the first answer). It keeps its socket as its standard input (`pingsock` is fd 0), and
     * `nsenter` execs it in place, so the process's fd 0 turning into a socket is the sign.
     */
    static FirstReply start(String namespace, IpAddress address) {
        Process ping;
        try {
            ping = new ProcessBuilder("nsenter", "--net=/run/netns/" + namespace, "--", "busybox", "ping", "-i",
                    INTERVAL_SECONDS, "-w", "10", address.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        FirstReply probe = new FirstReply(ping);
        Path input = Path.of("/proc", Long.toString(ping.pid()), "fd", "0");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!isSocket(input)) {
            if (!ping.isAlive() || System.nanoTime() > deadline) {
                probe.close();
                throw new IllegalStateException("ping " + address + " in " + namespace + " did not start");
            }
            LockSupport.parkNanos(100_000);
        }
        return probe;
    }

    private static boolean isSocket(Path descriptor) {
        try {
            return Files.readSymbolicLink(descriptor).toString().startsWith("socket:");
        } catch (IOException e) {
            return false;
        }
    }

    /** Completes with the milliseconds from {@code start} (a System.nanoTime) to the first reply, or -1 if none came. */
    CompletableFuture<Long> since(long start) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = line(); line != null; line = line()) {
                    if (line.contains("bytes from")) {
                        return (System.nanoTime() - start) / 1_000_000;
                    }
                }
                return -1L;
            } finally {
                close();
            }
        }, Thread::startVirtualThread);
    }

    private String line() {
        try {
            return lines.readLine();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        ping.destroy();
    }
}
