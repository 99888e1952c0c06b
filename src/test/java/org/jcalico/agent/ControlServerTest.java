package org.jcalico.agent;

import org.junit.jupiter.api.Tag;
import org.jcalico.testing.AloneTests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.jcalico.agent.http.HttpResponse;
import org.jcalico.agent.http.HttpServer;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's local endpoint against hostile and odd clients, over its real Unix socket: what a client sends beyond a
 * bound (header, body, time, connections) or outside the grammar ends its connection with a clear status, and never
 * the endpoint. The time and connection bounds are tried on an {@link HttpServer} with small limits, so that the test
 * need not wait out the agent's 10 s.
 */
@Tag(AloneTests.TAG)  // its bounds are idle and trickle cuts timed to a few hundred ms
class ControlServerTest {
    private static final UnaryOperator<byte[]> ECHO = body -> ("echo:" + new String(body, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
    @TempDir Path dir;

    private ControlServer echo() throws IOException {
        return ControlServer.start(dir.resolve("run/agent.sock"), Map.of("/v1/run", ECHO, "/v1/fail", body -> {
            throw new IllegalStateException("a resource that fails");
        }), Log.open(dir.resolve("felix.log"), false, "info"));
    }

    /** A client that writes raw bytes and reads what comes back, answer by answer. */
    private static final class Client implements AutoCloseable {
        private final SocketChannel channel;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Client(Path socket) throws IOException {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        }

        Client send(String text) throws IOException {
            return send(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        Client send(byte[] bytes) throws IOException {
            ByteBuffer out = ByteBuffer.wrap(bytes);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            return this;
        }

        /** The next answer, head and body (by its Content-Length), within 5 s. */
        String answer() throws Exception {
            return within(() -> {
                while (true) {
                    String text = received.toString(StandardCharsets.ISO_8859_1);
                    int end = text.indexOf("\r\n\r\n");
                    if (end >= 0) {
                        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^Content-Length: (\\d+)$")
                                .matcher(text.substring(0, end));
                        int total = end + 4 + (length.find() ? Integer.parseInt(length.group(1)) : 0);
                        if (text.length() >= total) {
                            byte[] rest = text.substring(total).getBytes(StandardCharsets.ISO_8859_1);
                            received.reset();
                            received.write(rest);
                            return text.substring(0, total);
                        }
                    }
                    if (!receive()) {
                        return text;
                    }
                }
            });
        }

        /** Whether the server has closed the connection (within 5 s), whatever it sent before. */
        boolean closedByServer() throws Exception {
            return within(() -> {
                try {
                    while (receive()) {
                        // what it sent before closing
                    }
                    return true;
                } catch (IOException reset) {
                    return true;
                }
            });
        }

        private boolean receive() throws IOException {
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            int read = channel.read(in);
            received.write(in.array(), 0, Math.max(read, 0));
            return read >= 0;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static <T> T within(java.util.concurrent.Callable<T> call) throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<T> result = executor.submit(call);
            try {
                return result.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                result.cancel(true);
                throw new AssertionError("no answer within 5 s");
            }
        }
    }

    private static String post(String path, String body, String... headers) {
        return "POST " + path + " HTTP/1.1\r\nHost: agent\r\n" + String.join("", headers) + "Content-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void answersPostsWithTheirStatusesAndTypes() throws Exception {
        try (ControlServer server = echo(); Client client = new Client(server.socket())) {
            String ok = client.send(post("/v1/run", "hi")).answer();
            assertTrue(ok.startsWith("HTTP/1.1 200 OK\r\n"), ok);
            assertTrue(ok.contains("Content-Type: application/octet-stream\r\n"), ok);
            assertTrue(ok.endsWith("\r\n\r\necho:hi"), ok);
            assertTrue(client.send(post("/v1/none", "")).answer().startsWith("HTTP/1.1 404 "));
            assertTrue(client.send("GET /v1/run HTTP/1.1\r\nHost: agent\r\n\r\n").answer().startsWith("HTTP/1.1 405 "));
            assertTrue(client.send(post("/v1/fail", "")).answer().startsWith("HTTP/1.1 500 "));
            assertTrue(java.nio.file.Files.readString(dir.resolve("felix.log")).contains("a resource that fails"));
            assertTrue(client.send(post("/v1/run", "still")).answer().endsWith("echo:still"), "the connection lives on");
        }
    }

    /**
     * A handler that throws an Error (a class that cannot be loaded from a jar rewritten under the agent, a stack
     * overflow) is answered 500 and logged like a failure, and the endpoint serves on: the connection closed unanswered,
     * and the client said "the agent stopped before finishing the command (see its log)" with no line in the log.
     */
    @Test
    void aHandlerThatThrowsAnErrorIsAnswered500AndLogged() throws Exception {
        try (ControlServer server = ControlServer.start(dir.resolve("run/agent.sock"), Map.of("/v1/run", ECHO, "/v1/broken", body -> {
            throw new NoClassDefFoundError("org/jcalico/cli/PoolCommand");
        }), Log.open(dir.resolve("felix.log"), false, "info")); Client client = new Client(server.socket())) {
            String answer = client.send(post("/v1/broken", "")).answer();
            assertTrue(answer.startsWith("HTTP/1.1 500 "), "answered: " + answer);
            assertTrue(java.nio.file.Files.readString(dir.resolve("felix.log")).contains("NoClassDefFoundError: org/jcalico/cli/PoolCommand"),
                    java.nio.file.Files.readString(dir.resolve("felix.log")));
            assertTrue(client.send(post("/v1/run", "still")).answer().endsWith("echo:still"), "the connection lives on");
        }
    }

    @Test
    void servesDockersPluginClientWithItsContentTypeAndBlankHost() throws Exception {
        try (ControlServer server = ControlServer.startPlugin(dir.resolve("run/jcalico.sock"),
                (path, body) -> path.equals("/Plugin.Activate") ? "{\"Implements\":[]}".getBytes(StandardCharsets.UTF_8) : null,
                Log.open(dir.resolve("felix.log"), false, "info"));
             Client client = new Client(server.socket())) {
            String answer = client.send("POST /Plugin.Activate HTTP/1.1\r\nHost: \r\nUser-Agent: Go-http-client/1.1\r\n"
                    + "Content-Length: 0\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n\r\n").answer();
            assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
            assertTrue(answer.contains("Content-Type: application/vnd.docker.plugins.v1.2+json\r\n"), answer);
            assertTrue(answer.endsWith("{\"Implements\":[]}"), answer);
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        try (ControlServer server = echo(); Client client = new Client(server.socket())) {
            client.send(post("/v1/run", "one") + post("/v1/run", "two") + post("/v1/run", "three", "Connection: close\r\n"));
            assertTrue(client.answer().endsWith("echo:one"));
            assertTrue(client.answer().endsWith("echo:two"));
            String last = client.answer();
            assertTrue(last.contains("Connection: close\r\n") && last.endsWith("echo:three"), last);
            assertTrue(client.closedByServer(), "after the answer the client asked to be the last");
        }
    }

    @Test
    void readsAChunkedBodyWithinTheBound() throws Exception {
        try (ControlServer server = echo(); Client client = new Client(server.socket())) {
            client.send("POST /v1/run HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n");
            assertTrue(client.answer().endsWith("echo:abcde"));
            client.send("POST /v1/run HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(ControlServer.MAX_BODY_BYTES + 1) + "\r\n");
            assertTrue(client.answer().startsWith("HTTP/1.1 413 "), "refused at the chunk's size, before its bytes");
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void refusesABodyOverTheLimitBeforeReadingIt() throws Exception {
        try (ControlServer server = echo(); Client client = new Client(server.socket())) {
            client.send("POST /v1/run HTTP/1.1\r\nHost: a\r\nContent-Length: " + (ControlServer.MAX_BODY_BYTES + 1) + "\r\n\r\n");
            String answer = client.answer();
            assertTrue(answer.startsWith("HTTP/1.1 413 ") && answer.contains("Connection: close"), answer);
            assertTrue(client.closedByServer());
        }
        try (ControlServer server = echo(); Client client = new Client(server.socket())) {
            String body = "x".repeat(ControlServer.MAX_BODY_BYTES - "echo:".length());
            assertTrue(client.send(post("/v1/run", body)).answer().endsWith(body), "the limit itself is served");
        }
    }

    @Test
    void refusesAHeaderFloodWith431() throws Exception {
        try (ControlServer server = echo(); Client client = new Client(server.socket())) {
            client.send("POST /v1/run HTTP/1.1\r\nHost: a\r\n");
            StringBuilder flood = new StringBuilder();
            while (flood.length() < ControlServer.MAX_HEADER_BYTES) {
                flood.append("X-Many: ").append("a".repeat(100)).append("\r\n");
            }
            client.send(flood.toString());
            assertTrue(client.answer().startsWith("HTTP/1.1 431 "));
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void refusesGarbageAndMalformedHeadersWith400() throws Exception {
        byte[] garbage = new byte[300];
        new java.util.Random(11).nextBytes(garbage);
        garbage[299] = '\n';
        for (byte[] request : List.of(garbage,
                "POST /v1/run HTTP/1.1\r\nHost a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "POST /v1/run HTTP/1.1\r\n folded: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "POST /v1/run SPDY/3\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "POST /v1/run HTTP/1.1\r\nContent-Length: -1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                "POST /v1/run HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))) {
            try (ControlServer server = echo(); Client client = new Client(server.socket())) {
                String answer = client.send(request).answer();
                assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
                assertTrue(client.closedByServer());
                try (Client next = new Client(server.socket())) {
                    assertTrue(next.send(post("/v1/run", "ok")).answer().endsWith("echo:ok"), "and the endpoint serves on");
                }
            }
        }
    }

    /** A server of two connections at most and the given idle bound on {@code socket}, answering with the path. */
    private HttpServer small(Path socket, Duration idle, long handlerMillis) throws IOException {
        return small(socket, new HttpServer.Limits(1024, 1024, 2, idle, Duration.ofSeconds(30), Duration.ofSeconds(30)), handlerMillis);
    }

    private HttpServer small(Path socket, HttpServer.Limits limits, long handlerMillis) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket), 2);
        return HttpServer.start(listener, limits, request -> {
            try {
                Thread.sleep(request.path().equals("/slow") ? handlerMillis : 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new HttpResponse(200, "text/plain", request.path().getBytes(StandardCharsets.UTF_8));
        }, "test", Log.open(dir.resolve("felix.log"), false, "info"));
    }

    @Test
    void closesAConnectionWhoseClientStallsButNotOneWhoseHandlerTakesLong() throws Exception {
        Path socket = dir.resolve("slow.sock");
        try (HttpServer server = small(socket, Duration.ofMillis(300), 900)) {
            try (Client client = new Client(socket)) {
                client.send("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab");
                Thread.sleep(100);
                client.send("c");
                assertTrue(client.answer().endsWith("/slow"), "a handler's time does not count");
                long start = System.nanoTime();
                client.send("POST /x HTTP/1.1\r\nHo");
                assertTrue(client.closedByServer(), "a client that sends nothing more is hung up on");
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(waited >= 300 && waited < 2000, "after the idle bound, not " + waited + " ms");
            }
            List<Client> holders = new ArrayList<>();
            try {
                holders.add(new Client(socket));
                holders.add(new Client(socket));
                holders.get(0).send("POST /x HTTP/1.1\r\n");
                holders.get(1).send("POST /x HTTP/1.1\r\n");
                try (Client third = new Client(socket)) {
                    third.send("POST /third HTTP/1.1\r\nHost: a\r\n\r\n");
                    String answer = third.answer();
                    assertTrue(answer.endsWith("/third"), "served once a holder is hung up on: " + answer);
                }
            } finally {
                for (Client holder : holders) {
                    holder.close();
                }
            }
        }
    }

    /**
     * A client that sends a byte every 100 ms, well within the idle bound (500 ms), is cut once its request's head, or
     * its body, took longer than its bound (1 s); its connection slot is then free for the next client.
     */
    @Test
    void cutsAClientThatTricklesAHeadOrABodyAtItsBound() throws Exception {
        Path socket = dir.resolve("trickle.sock");
        HttpServer.Limits limits = new HttpServer.Limits(1024, 1024, 1, Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        try (HttpServer server = small(socket, limits, 0)) {
            for (String start : List.of("POST /head HTTP/1.1\r\nHost: a\r\nX-Slow: ",
                    "POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 900\r\n\r\n")) {
                long cut;
                try (Client trickler = new Client(socket)) {
                    trickler.send(start);
                    long begun = System.nanoTime();
                    cut = -1;
                    while (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun) < 4000) {
                        Thread.sleep(100);
                        try {
                            trickler.send("y");
                        } catch (IOException hungUp) {
                            cut = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun);
                            break;
                        }
                    }
                }
                assertTrue(cut >= 900 && cut < 2500, start.substring(0, 10) + " trickled: cut after " + cut + " ms (-1: never)");
                try (Client next = new Client(socket)) {
                    assertTrue(next.send("POST /next HTTP/1.1\r\nHost: a\r\n\r\n").answer().endsWith("/next"),
                            "the one slot is free again");
                }
            }
        }
    }

    /**
     * Two slots. Connections idle between requests give theirs to a newer one, the one idle longest first, and the
     * newer one is answered at once; connections being answered keep theirs, and a newer one waits until the first of
     * their handlers has ended and its answer has been written whole.
     */
    @Test
    void aNewConnectionTakesTheSlotOfTheLongestIdleButNeverOfOneBeingAnswered() throws Exception {
        Path socket = dir.resolve("few.sock");
        try (HttpServer server = small(socket, Duration.ofSeconds(30), 1000);
             Client first = new Client(socket); Client second = new Client(socket)) {
            assertTrue(first.send("POST /1 HTTP/1.1\r\n\r\n").answer().endsWith("/1"));
            assertTrue(second.send("POST /2 HTTP/1.1\r\n\r\n").answer().endsWith("/2"));
            Thread.sleep(300);
            try (Client third = new Client(socket)) {
                assertTrue(third.send("POST /3 HTTP/1.1\r\n\r\n").answer().endsWith("/3"), "answered at once");
                assertTrue(first.closedByServer(), "in the slot of the connection idle longest");
                assertTrue(second.send("POST /4 HTTP/1.1\r\n\r\n").answer().endsWith("/4"), "the other keeps its own");
            }
        }
        try (HttpServer server = small(dir.resolve("busy.sock"), Duration.ofSeconds(30), 1000);
             Client first = new Client(dir.resolve("busy.sock")); Client second = new Client(dir.resolve("busy.sock"))) {
            first.send("POST /slow HTTP/1.1\r\n\r\n");
            second.send("POST /slow HTTP/1.1\r\n\r\n");
            Thread.sleep(300);
            try (Client third = new Client(dir.resolve("busy.sock"))) {
                third.send("POST /3 HTTP/1.1\r\n\r\n");
                Thread.sleep(300);
                assertEquals(0, third.received.size(), "the third waits while both are being answered");
                assertTrue(third.answer().endsWith("/3"), "and is served when one's answer is done");
            }
            assertTrue(first.answer().endsWith("/slow") && second.answer().endsWith("/slow"), "neither answer was cut short");
        }
    }
}
