package org.jcalico.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jcalico.agent.http.HttpRequest;
import org.jcalico.agent.http.HttpResponse;
import org.jcalico.agent.http.HttpServer;
import org.jcalico.log.Log;

/**
 * The agent's local HTTP endpoint, served by the project's own {@link HttpServer} on a Unix socket in the node's run directory, which only root can
 * enter (see {@link RunDirectory}): whoever cannot enter it can neither connect nor, once the agent is gone, bind a
 * socket of their own in its place, so no token is needed and none can leak. Everything a client sends is bounded
 * (header and body size, time between bytes, time of a request's head and of its body, connections at once); the acceptor backs off when accepting fails
 * (out of file descriptors, say) instead of spinning. It serves resources by path, each {@code POST} whose body its
 * handler turns into the answer: {@code /v1/run} (see AgentDelegation), {@code /v1/cni} (see cni/CniAgentResource).
 * The docker plugin is a second server of the same make on a socket of its own (docs/docker.md). Health and metrics,
 * which Prometheus and probes reach over TCP, are served by {@link #startPages} under the same limits.
 */
public final class ControlServer implements AutoCloseable {
    static final int MAX_HEADER_BYTES = 8 * 1024;
    static final int MAX_BODY_BYTES = 1 << 20;
    public static final int MAX_CONNECTIONS = 32;
    /** Between two bytes of one request or answer; a command's own run time does not count. */
    static final long IDLE_TIMEOUT_MILLIS = 10_000;
    /**
     * A request's line and headers, whole, from its first byte; and its body, whole (docs/agent.md, "The local
     * endpoint": every client of the agent sends a head of at most 8 KiB in one write, and a body of at most 1 MiB
     * on a local socket in well under a second).
     */
    static final Duration HEAD_TIMEOUT = Duration.ofSeconds(10);
    static final Duration BODY_TIMEOUT = Duration.ofSeconds(20);
    static final HttpServer.Limits LIMITS = new HttpServer.Limits(MAX_HEADER_BYTES, MAX_BODY_BYTES, MAX_CONNECTIONS,
            Duration.ofMillis(IDLE_TIMEOUT_MILLIS), HEAD_TIMEOUT, BODY_TIMEOUT);
    private final HttpServer server;
    /** The Unix socket served, or null for a TCP listener. */
    private final Path socket;

    /** What a GET of one page answers: computed afresh for every request. */
    public record Page(int status, String contentType, byte[] body) {
        public static Page text(int status, String contentType, String body) {
            return new Page(status, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private ControlServer(HttpServer server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /** Serves the resources (path to handler) on {@code socket}, replacing what a killed agent left there. */
    public static ControlServer start(Path socket, Map<String, UnaryOperator<byte[]>> resources, Log log) throws IOException {
        Map<String, UnaryOperator<byte[]>> served = Map.copyOf(resources);
        BiFunction<String, byte[], byte[]> answer = (path, body) -> {
            UnaryOperator<byte[]> resource = served.get(path);
            return resource == null ? null : resource.apply(body);
        };
        return serve(socket, new Posts(answer, "application/octet-stream"), "control", log);
    }

    /**
     * Serves docker's plugin protocols on a socket of their own (see docs/docker.md) under the same limits: every
     * request is a POST of JSON to /Method.Name, answered with JSON. {@code plugin} takes the path and the body.
     */
    public static ControlServer startPlugin(Path socket, BiFunction<String, byte[], byte[]> plugin, Log log) throws IOException {
        return serve(socket, new Posts(plugin, "application/vnd.docker.plugins.v1.2+json"),
                "docker-plugin", log);
    }

    private static ControlServer serve(Path socket, Function<HttpRequest, HttpResponse> handler, String name, Log log)
            throws IOException {
        RunDirectory.secure(socket.getParent());
        Files.deleteIfExists(socket);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listener.bind(UnixDomainSocketAddress.of(socket), MAX_CONNECTIONS);
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot serve " + socket + ": " + e.getMessage(), e);
        }
        return new ControlServer(HttpServer.start(listener, LIMITS, handler, name, log), socket);
    }

    /**
     * Serves read-only pages by GET (anything else: 405) on a TCP address, for the health probes and Prometheus (see
     * docs/observability.md): what they show is no secret of the node's, and it changes nothing, so no directory
     * guards it; the address is loopback unless configured otherwise. A page supplier's failure is logged and
     * answered 500.
     */
    public static ControlServer startPages(InetSocketAddress address, Map<String, Supplier<Page>> pages, String name, Log log)
            throws IOException {
        Map<String, Function<Map<String, String>, Page>> queried = new java.util.HashMap<>();
        pages.forEach((path, page) -> queried.put(path, query -> page.get()));
        return startQueryPages(address, queried, name, log);
    }

    /**
     * As {@link #startPages}, for pages that depend on the request's query parameters (the first value of each name):
     * the UI's connectivity matrix for the endpoints a person picked.
     */
    public static ControlServer startQueryPages(InetSocketAddress address, Map<String, Function<Map<String, String>, Page>> pages,
                                               String name, Log log) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(address, MAX_CONNECTIONS);
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot serve " + name + " on " + address + ": " + e.getMessage(), e);
        }
        return new ControlServer(HttpServer.start(listener, LIMITS, new Gets(Map.copyOf(pages)), name, log), null);
    }

    public Path socket() {
        return socket;
    }

    /** The TCP port served (the kernel's choice when port 0 was asked for), or -1 on a Unix socket. */
    public int port() {
        return server.port();
    }

    /**
     * Answers POSTs: {@code answer} turns a path and a body into the answer, or null for a path it does not serve
     * (404); a failure is the server's to log and answer 500.
     */
    private record Posts(BiFunction<String, byte[], byte[]> answer, String contentType)
            implements Function<HttpRequest, HttpResponse> {
        @Override
        public HttpResponse apply(HttpRequest request) {
            if (!request.method().equals("POST")) {
                return HttpResponse.error(405, "");
            }
            byte[] answered = answer.apply(request.path(), request.body());
            return answered == null ? HttpResponse.error(404, "") : new HttpResponse(200, contentType, answered);
        }
    }

    /** Answers GETs (and HEADs) of the pages it was given; 404 for any other path; a page's failure is the server's to log. */
    private record Gets(Map<String, Function<Map<String, String>, Page>> pages)
            implements Function<HttpRequest, HttpResponse> {
        @Override
        public HttpResponse apply(HttpRequest request) {
            if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
                return HttpResponse.error(405, "");
            }
            Function<Map<String, String>, Page> supplier = pages.get(request.path());
            if (supplier == null) {
                return HttpResponse.error(404, "");
            }
            Map<String, String> query;
            try {
                query = request.query();
            } catch (IllegalArgumentException malformed) {
                // a broken percent-encoding is the client's error, not the page's
                return HttpResponse.error(400, "malformed query: " + malformed.getMessage());
            }
            Page page = supplier.apply(query);
            return new HttpResponse(page.status(), page.contentType(), page.body());
        }
    }

    @Override
    public void close() {
        server.close();
        if (socket == null) {
            return;
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the next agent replaces it
        }
    }
}
