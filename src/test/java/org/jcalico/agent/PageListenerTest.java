package org.jcalico.agent;

import org.junit.jupiter.api.Tag;
import org.jcalico.testing.AloneTests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.List;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.health.HealthReport;
import org.jcalico.testing.Eventually;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ControlServer.startPages through the listener that the agent moves with its configuration: GET pages over TCP
 * with their status and body, 404 / 405 / 500 for the rest, and a listener that follows its address. Loopback
 * addresses with ports the kernel chooses, so no test address is fixed.
 */
@Tag(AloneTests.TAG)  // it tells a refused connection from a timed-out one
class PageListenerTest {
    @TempDir Path dir;

    private AgentStatusFile statusFile() {
        return new AgentStatusFile(dir.resolve("status.json"), "n1");
    }

    private static HttpResponse<String> send(String method, String host, int port, String path) throws IOException, InterruptedException {
        // a client of its own for each request: a pooled connection to the listener's new address must not carry the
        // request meant for its old one (CI hung here once, a request waiting on an established connection); and a
        // bound on the wait, so that a listener that never answers fails the test instead of stalling the suite
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(java.time.Duration.ofSeconds(10)).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The status line for a request target that java.net.URI would refuse to build. */
    private static String rawStatusLine(int port, String target) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void servesReadyAndNotReadyPagesAndRefusesEverythingElse() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(true);
        Map<String, Supplier<ControlServer.Page>> pages = Map.of(
                "/readiness", () -> HealthPages.page(HealthReport.liveness(ready.get() ? 0 : HealthReport.LIVENESS_LIMIT_MILLIS + 1)),
                "/broken", () -> {
                    throw new IllegalStateException("a page that fails");
                });
        Log log = Log.open(dir.resolve("felix.log"), false, "info");
        try (PageListener listener = new PageListener("health", pages, statusFile(), log)) {
            listener.serveAt(new InetSocketAddress("127.0.0.1", 0));
            int port = listener.port();
            HttpResponse<String> ok = send("GET", "127.0.0.1", port, "/readiness");
            assertEquals(200, ok.statusCode());
            assertEquals("application/json", ok.headers().firstValue("content-type").orElseThrow());
            assertTrue(ok.body().startsWith("{\"ok\":true,\"conditions\":[{\"name\":\"loop\",\"ok\":true,"), ok.body());
            ready.set(false);
            HttpResponse<String> not = send("GET", "127.0.0.1", port, "/readiness");
            assertEquals(503, not.statusCode(), "computed afresh for every request");
            assertTrue(not.body().contains("\"ok\":false") && not.body().contains("stuck"), not.body());
            assertEquals(404, send("GET", "127.0.0.1", port, "/metrics").statusCode());
            assertEquals(405, send("POST", "127.0.0.1", port, "/readiness").statusCode());
            assertTrue(rawStatusLine(port, "/readiness?x=%zz").contains(" 400 "), "a malformed query is the client's error");
            assertEquals(500, send("GET", "127.0.0.1", port, "/broken").statusCode());
            assertTrue(java.nio.file.Files.readString(dir.resolve("felix.log")).contains("a page that fails"), "the failure is logged");
        }
    }

    @Test
    void aNewAddressMovesTheListenerAndNoneClosesIt() throws Exception {
        Log log = Log.open(dir.resolve("felix.log"), false, "info");
        Map<String, Supplier<ControlServer.Page>> pages = Map.of("/liveness", () -> ControlServer.Page.text(200, "text/plain", "live"));
        try (PageListener listener = new PageListener("health", pages, statusFile(), log)) {
            listener.serveAt(new InetSocketAddress("127.0.0.1", 0));
            int first = listener.port();
            assertEquals("live", send("GET", "127.0.0.1", first, "/liveness").body());
            listener.serveAt(new InetSocketAddress("127.0.0.2", 0));
            int second = listener.port();
            assertEquals("live", send("GET", "127.0.0.2", second, "/liveness").body());
            assertThrows(ConnectException.class, () -> send("GET", "127.0.0.1", first, "/liveness"), "the old address is closed");
            listener.serveAt(null);
            assertEquals(-1, listener.port());
            assertThrows(ConnectException.class, () -> send("GET", "127.0.0.2", second, "/liveness"), "not served at all");
        }
    }

    /**
     * Session 69 (t-prompt): the status `node status` reads warns of a taken port only while it is taken. The listener
     * binds it again by itself once it is free, and the status said so only at its next write: after the next pass,
     * which an idle node makes at the periodic resync (an hour where so configured).
     */
    @Test
    void aPortBoundOnceFreeIsNoLongerWarnedOfInTheStatus() throws Exception {
        Log log = Log.open(dir.resolve("felix.log"), false, "info");
        AgentStatusFile statusFile = new AgentStatusFile(dir.resolve("status.json"), "n1");
        Map<String, Supplier<ControlServer.Page>> pages = Map.of("/metrics", () -> ControlServer.Page.text(200, "text/plain", "m"));
        java.net.ServerSocket other = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        int port = other.getLocalPort();
        try (PageListener listener = new PageListener("metrics", pages, statusFile, log, 100)) {
            listener.serveAt(new InetSocketAddress("127.0.0.1", port));
            statusFile.writeOutOfSync(AgentStatusFile.State.starting, null);
            assertEquals(List.of("cannot serve the metrics pages on 127.0.0.1:" + port + " (see felix.log)"),
                    statusFile.read().warnings(), "the port taken is warned of");
            other.close();
            assertTrue(Eventually.within(5, () -> listener.port() == port), "bound once the port is free");
            assertTrue(Eventually.within(2, () -> statusFile.read().warnings().isEmpty()),
                    "the status no longer warns of it: " + statusFile.read());
        } finally {
            other.close();
        }
    }

    @Test
    void aTakenPortIsReportedOnceAndBoundWhenItIsFree() throws Exception {
        Path logFile = dir.resolve("felix.log");
        Log log = Log.open(logFile, false, "info");
        Map<String, Supplier<ControlServer.Page>> pages = Map.of("/metrics", () -> ControlServer.Page.text(200, "text/plain", "m"));
        java.net.ServerSocket other = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        int port = other.getLocalPort();
        try (PageListener listener = new PageListener("metrics", pages, statusFile(), log, 100)) {
            listener.serveAt(new InetSocketAddress("127.0.0.1", port));
            assertEquals(-1, listener.port(), "another program holds the port");
            assertEquals("cannot serve the metrics pages on 127.0.0.1:" + port + " (see felix.log)", listener.unserved(),
                    "what node status warns of");
            Thread.sleep(350);
            assertEquals(1, java.nio.file.Files.readString(logFile).lines().filter(line -> line.contains("cannot serve metrics")).count(),
                    "logged once however often it is retried");
            other.close();
            long deadline = System.currentTimeMillis() + 5000;
            while (listener.port() != port && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(port, listener.port(), "bound once the port is free, with no change of configuration");
            assertEquals(null, listener.unserved());
            assertEquals("m", send("GET", "127.0.0.1", port, "/metrics").body());
        } finally {
            other.close();
        }
    }
}
