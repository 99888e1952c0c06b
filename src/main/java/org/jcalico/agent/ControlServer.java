package org.jcalico.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jcalico.log.Log;

/**
 * The agent's local HTTP endpoint, served by Jetty on a Unix socket in the node's run directory, which only root can
 * enter (see {@link RunDirectory}): whoever cannot enter it can neither connect nor, once the agent is gone, bind a
 * socket of their own in its place, so no token is needed and none can leak. Everything a client sends is bounded
 * (header and body size, time between bytes, connections at once); Jetty's acceptor backs off when accepting fails
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
    private final Server server;
    /** The Unix socket served, or null for a TCP listener. */
    private final Path socket;

    /** What a GET of one page answers: computed afresh for every request. */
    public record Page(int status, String contentType, byte[] body) {
        public static Page text(int status, String contentType, String body) {
            return new Page(status, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private ControlServer(Server server, Path socket) {
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
        return serve(socket, new Posts(answer, "application/octet-stream", "control", log), "control");
    }

    /**
     * Serves docker's plugin protocols on a socket of their own (see docs/docker.md) under the same limits: every
     * request is a POST of JSON to /Method.Name, answered with JSON. {@code plugin} takes the path and the body.
     */
    public static ControlServer startPlugin(Path socket, BiFunction<String, byte[], byte[]> plugin, Log log) throws IOException {
        return serve(socket, new Posts(plugin, "application/vnd.docker.plugins.v1.2+json", "docker plugin", log),
                "docker-plugin", new BlankHostHttp(new HttpConfiguration()));
    }

    private static ControlServer serve(Path socket, Handler handler, String name) throws IOException {
        return serve(socket, handler, name, new HttpConnectionFactory(new HttpConfiguration()));
    }

    /**
     * HTTP/1.1 as docker's plugin client speaks it: it sends an empty Host header (meaningless on a Unix socket), which
     * Jetty refuses with 400 "Blank Host"; here it is read as "localhost". Everything else is Jetty's own parsing.
     */
    private static final class BlankHostHttp extends HttpConnectionFactory {
        BlankHostHttp(HttpConfiguration http) {
            super(http);
        }

        @Override
        public org.eclipse.jetty.io.Connection newConnection(org.eclipse.jetty.server.Connector connector,
                                                             org.eclipse.jetty.io.EndPoint endPoint) {
            org.eclipse.jetty.server.internal.HttpConnection connection =
                    new org.eclipse.jetty.server.internal.HttpConnection(getHttpConfiguration(), connector, endPoint) {
                        @Override
                        protected RequestHandler newRequestHandler() {
                            return new RequestHandler() {
                                @Override
                                public void parsedHeader(HttpField field) {
                                    super.parsedHeader(field.getHeader() == HttpHeader.HOST && field.getValue().isBlank()
                                            ? new HostPortHttpField("localhost") : field);
                                }
                            };
                        }
                    };
            connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
            return configure(connection, connector, endPoint);
        }
    }

    private static ControlServer serve(Path socket, Handler handler, String name, HttpConnectionFactory factory) throws IOException {
        RunDirectory.secure(socket.getParent());
        Files.deleteIfExists(socket);
        Server server = server(name);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1, limited(factory));
        connector.setUnixDomainPath(socket);
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        connector.setAcceptQueueSize(MAX_CONNECTIONS);
        server.addConnector(connector);
        start(server, connector, handler, socket.toString());
        return new ControlServer(server, socket);
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
        Map<String, Function<Map<String, String>, Page>> served = Map.copyOf(pages);
        Server server = server(name);
        ServerConnector connector = new ServerConnector(server, 1, 1, limited(new HttpConnectionFactory(new HttpConfiguration())));
        connector.setHost(address.getAddress().getHostAddress());
        connector.setPort(address.getPort());
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        connector.setAcceptQueueSize(MAX_CONNECTIONS);
        connector.setReuseAddress(true);
        server.addConnector(connector);
        start(server, connector, new Gets(served, name, log), name + " on " + address);
        return new ControlServer(server, null);
    }

    private static Server server(String name) {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_CONNECTIONS + 4, 2);
        threads.setName(name);
        threads.setDaemon(true);
        return new Server(threads);
    }

    private static HttpConnectionFactory limited(HttpConnectionFactory factory) {
        HttpConfiguration http = factory.getHttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        return factory;
    }

    private static void start(Server server, org.eclipse.jetty.server.AbstractConnector connector, Handler handler,
                              String what) throws IOException {
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        SizeLimitHandler limit = new SizeLimitHandler(MAX_BODY_BYTES, -1);
        limit.setHandler(handler);
        server.setHandler(limit);
        try {
            server.start();
        } catch (Exception e) {
            stop(server);
            throw new IOException("cannot serve " + what + ": " + e.getMessage(), e);
        }
    }

    public Path socket() {
        return socket;
    }

    /** The TCP port served (the kernel's choice when port 0 was asked for), or -1 on a Unix socket. */
    public int port() {
        return socket == null && server.getConnectors()[0] instanceof ServerConnector tcp ? tcp.getLocalPort() : -1;
    }

    /**
     * Answers POSTs: {@code answer} turns a path and a body into the answer, or null for a path it does not serve
     * (404); a failure is logged and answered 500.
     */
    private static final class Posts extends Handler.Abstract {
        private final BiFunction<String, byte[], byte[]> answer;
        private final String contentType;
        private final String name;
        private final Log log;

        Posts(BiFunction<String, byte[], byte[]> answer, String contentType, String name, Log log) {
            this.answer = answer;
            this.contentType = contentType;
            this.name = name;
            this.log = log;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (!request.getMethod().equals("POST")) {
                Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
                return true;
            }
            ByteBuffer body = Content.Source.asByteBuffer(request);
            byte[] bytes = new byte[body.remaining()];
            body.get(bytes);
            byte[] answered;
            try {
                answered = answer.apply(request.getHttpURI().getPath(), bytes);
            } catch (RuntimeException e) {
                log.error(name + " socket: " + e, e);
                Response.writeError(request, response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500);
                return true;
            }
            if (answered == null) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                return true;
            }
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answered.length);
            response.write(true, ByteBuffer.wrap(answered), callback);
            return true;
        }
    }

    /** Answers GETs of the pages it was given; 404 for any other path. */
    private static final class Gets extends Handler.Abstract {
        private final Map<String, Function<Map<String, String>, Page>> pages;
        private final String name;
        private final Log log;

        Gets(Map<String, Function<Map<String, String>, Page>> pages, String name, Log log) {
            this.pages = pages;
            this.name = name;
            this.log = log;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
                Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
                return true;
            }
            Function<Map<String, String>, Page> supplier = pages.get(request.getHttpURI().getPath());
            if (supplier == null) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                return true;
            }
            Map<String, String> query = new java.util.HashMap<>();
            try {
                Request.extractQueryParameters(request).forEach(field -> query.putIfAbsent(field.getName(), field.getValue()));
            } catch (RuntimeException malformed) {
                // a broken percent-encoding is the client's error, not the page's
                Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400, "malformed query: " + malformed.getMessage());
                return true;
            }
            Page page;
            try {
                page = supplier.apply(query);
            } catch (RuntimeException e) {
                log.error(name + ": " + e, e);
                Response.writeError(request, response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500);
                return true;
            }
            response.setStatus(page.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, page.contentType());
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, page.body().length);
            response.write(true, request.getMethod().equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(page.body()), callback);
            return true;
        }
    }

    @Override
    public void close() {
        stop(server);
        if (socket == null) {
            return;
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the next agent replaces it
        }
    }

    private static void stop(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping a server that did not start
        }
    }
}
