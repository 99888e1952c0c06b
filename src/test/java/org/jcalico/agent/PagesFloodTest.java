package org.jcalico.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.log.Log;
import org.jcalico.metrics.AgentMetrics;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local user (nobody, in a JVM of its own) asking the metrics page over every connection it allows, each again as
 * soon as it is answered, must not hold up the agent's own socket: a request on agent.sock whose handler sleeps 1 ms
 * twenty times (a CNI add waits on the kernel, processes and the loop many times) is answered within 2 s, not after
 * minutes (docs/agent.md, "Session 66 (t-local)").
 */
class PagesFloodTest {
    private static final long BOUND_MILLIS = 2000;

    @TempDir Path dir;

    @Test
    void aLocalUserAskingThePagesOverAndOverDoesNotHoldUpTheAgentsSocket() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path runDir = Files.createDirectory(dir.resolve("run"));
        AgentStatusFile statusFile = new AgentStatusFile(runDir.resolve("status.json"), "h1");
        statusFile.writeOutOfSync(AgentStatusFile.State.in_sync, null);
        Log log = Log.open(dir.resolve("felix.log"), false, "info");
        AgentMetrics metrics = new AgentMetrics();
        UnaryOperator<byte[]> work = body -> {
            for (int i = 0; i < 20; i++) {
                try { Thread.sleep(1); } catch (InterruptedException e) { throw new IllegalStateException(e); }
            }
            return body;
        };
        try (PageListener scrape = AgentRuntime.metrics(metrics, statusFile, null, log);
             ControlServer control = ControlServer.start(runDir.resolve("agent.sock"), Map.of("/v1/run", work), log)) {
            scrape.serveAt(new InetSocketAddress("127.0.0.1", 0));
            String quiet = adds(control.socket());
            Process flood = Unprivileged.startJava(dir, "Flood", ReadinessFloodKernelTest.FLOOD, String.valueOf(scrape.port()),
                    "32", "/metrics");
            try {
                String said = new BufferedReader(new InputStreamReader(flood.getInputStream(), StandardCharsets.UTF_8)).readLine();
                assertTrue("asking".equals(said), "the flood began: " + said);
                Thread.sleep(1000);
                String flooded = adds(control.socket());
                assertTrue(flooded.startsWith("ok"), "every request on agent.sock answered within " + BOUND_MILLIS
                        + " ms while the pages are flooded (quiet: " + quiet + "), not " + flooded);
            } finally {
                flood.getOutputStream().close();
                if (!flood.waitFor(5, TimeUnit.SECONDS)) flood.destroyForcibly().waitFor();
            }
        }
    }

    /** Ten requests one after another: "ok" and their milliseconds, or the first not answered within the bound. */
    private static String adds(Path socket) throws Exception {
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            // a blocking channel's read has no timeout: the answer is read beside, and the channel closed at the bound
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                InputStream in = java.nio.channels.Channels.newInputStream(ch);
                ch.write(ByteBuffer.wrap("POST /v1/run HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"
                        .getBytes(StandardCharsets.US_ASCII)));
                CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> {
                    try {
                        return in.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                try {
                    answer.get(BOUND_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    return "request " + (i + 1) + " not answered within " + BOUND_MILLIS + " ms (before it: " + ms + ")";
                }
            }
            ms.add((System.nanoTime() - t0) / 1_000_000);
        }
        return "ok " + ms;
    }
}
