package org.jcalico.agent.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.jcalico.log.Log;

/**
 * A small HTTP/1.1 server over a listening channel of the JDK's (a Unix or a TCP socket alike): a virtual thread per
 * connection, keep-alive and pipelining, and every bound the agent's endpoints need (see {@link Limits}). At its
 * connection limit it accepts no more (the next wait in the kernel's backlog, which the listener bounds too); when
 * accepting fails (out of file descriptors, say) it backs off instead of spinning. A watchdog closes a connection that
 * has waited on its client longer than the idle bound in one read or write; the handler's time does not count.
 */
public final class HttpServer implements AutoCloseable {
    private static final long MAX_BACKOFF_MILLIS = 1000;
    private final ServerSocketChannel listener;
    private final Limits limits;
    private final Function<HttpRequest, HttpResponse> handler;
    private final String name;
    private final Log log;
    private final HttpRequestReader reader;
    private final Semaphore slots;
    private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Thread watchdog;

    /**
     * The bounds on what any client can make the server hold: IDLE between two bytes of one read or write, HEAD for a
     * request's line and headers from its first byte, BODY for its whole body (the idle bound alone lets a client
     * that trickles a byte just within it hold a connection for ever).
     */
    public record Limits(int maxHeaderBytes, int maxBodyBytes, int maxConnections, Duration idle, Duration head, Duration body) {
    }

    private HttpServer(ServerSocketChannel listener, Limits limits, Function<HttpRequest, HttpResponse> handler, String name,
                       Log log) {
        this.listener = listener;
        this.limits = limits;
        this.handler = handler;
        this.name = name;
        this.log = log;
        this.reader = new HttpRequestReader(limits.maxHeaderBytes(), limits.maxBodyBytes(), limits.head(), limits.body());
        this.slots = new Semaphore(limits.maxConnections());
        this.acceptor = Thread.ofVirtual().name(name + "-accept").unstarted(this::accept);
        this.watchdog = Thread.ofVirtual().name(name + "-idle").unstarted(this::closeStalled);
    }

    /**
     * Serves {@code listener} (bound, with a backlog of at most the connection limit) until closed: each request's
     * answer is {@code handler}'s; a handler that throws is logged and answered 500.
     */
    public static HttpServer start(ServerSocketChannel listener, Limits limits, Function<HttpRequest, HttpResponse> handler,
                                   String name, Log log) {
        HttpServer server = new HttpServer(listener, limits, handler, name, log);
        server.acceptor.start();
        server.watchdog.start();
        return server;
    }

    /** The TCP port served, or -1 on a Unix socket. */
    public int port() {
        try {
            return listener.getLocalAddress() instanceof InetSocketAddress inet ? inet.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private void accept() {
        long backoff = 0;
        while (listener.isOpen()) {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel channel;
            try {
                channel = listener.accept();
                backoff = 0;
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                slots.release();
                backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(10, backoff * 2));
                log.warn(name + ": accepting failed, again in " + backoff + " ms: " + e.getMessage());
                if (!pause(backoff)) {
                    return;
                }
                continue;
            }
            HttpConnection connection = new HttpConnection(channel);
            open.add(connection);
            Thread.ofVirtual().name(name).start(() -> serve(connection));
        }
    }

    private void serve(HttpConnection connection) {
        try (connection) {
            while (true) {
                HttpRequest request;
                try {
                    request = reader.read(connection);
                } catch (HttpRefusal refusal) {
                    connection.send(HttpResponse.error(refusal.status(), refusal.getMessage()), true, true);
                    return;
                }
                if (request == null) {
                    return;
                }
                boolean last = request.lastOnConnection();
                connection.send(answer(request), last, !request.method().equals("HEAD"));
                if (last) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client left, or stalled and the watchdog closed the connection: nobody to answer
        } finally {
            open.remove(connection);
            slots.release();
        }
    }

    private HttpResponse answer(HttpRequest request) {
        try {
            return handler.apply(request);
        } catch (RuntimeException e) {
            log.error(name + ": " + e, e);
            return HttpResponse.error(500, "");
        }
    }

    private void closeStalled() {
        long idle = limits.idle().toNanos();
        long shortest = Math.min(limits.idle().toMillis(), Math.min(limits.head().toMillis(), limits.body().toMillis()));
        while (pause(Math.max(1, shortest / 10))) {
            long now = System.nanoTime();
            open.stream().filter(connection -> connection.stalled(now, idle) || connection.overdue(now))
                    .forEach(HttpConnection::close);
        }
    }

    /** Sleeps; false when the server is being closed. */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closed already
        }
        acceptor.interrupt();
        watchdog.interrupt();
        open.forEach(HttpConnection::close);
    }
}
