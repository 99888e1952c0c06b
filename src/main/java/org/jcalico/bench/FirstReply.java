package org.jcalico.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.concurrent.CompletableFuture;
import org.jcalico.model.IpAddress;

/** When a new endpoint first answers: a ping every 10 ms from inside a namespace, for at most 10 s. */
final class FirstReply {
    private FirstReply() {
    }

    /** Completes with the milliseconds from {@code start} (a System.nanoTime) to the first reply, or -1 if none came. */
    static CompletableFuture<Long> from(String namespace, IpAddress address, long start) {
        return CompletableFuture.supplyAsync(() -> {
            Process ping;
            try {
                ping = new ProcessBuilder("nsenter", "--net=/run/netns/" + namespace, "--", "busybox", "ping", "-i", "0.01",
                        "-w", "10", address.toString()).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(ping.getInputStream()))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.contains("bytes from")) {
                        return (System.nanoTime() - start) / 1_000_000;
                    }
                }
                return -1L;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                ping.destroy();
            }
        }, Thread::startVirtualThread);
    }
}
