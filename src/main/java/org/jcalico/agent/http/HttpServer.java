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
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jcalico.log.Log;

/**
 * A small HTTP/1.1 server over a listening channel of the JDK's (a Unix or a TCP socket alike): a virtual thread per
 * connection, keep-alive and pipelining, and every bound the agent's endpoints need (see {@link Limits}). At its
 * connection limit a new connection takes the slot of the one that has owed the server a request longest (silent,
 * trickling a head or a body, idle between requests, or not taking its answer: see {@link SlotHold}), so that whoever
 * holds every slot and reopens what is closed cannot keep a client that sends its request at once (a health probe,
 * Prometheus) from being answered; only while every connection is being answered does it wait, and the next connections
 * with it in the kernel's backlog, which the listener bounds too. When accepting fails (out of file descriptors, say)
 * it backs off instead of spinning. A watchdog closes a connection that has waited on its client longer than the idle
 * bound in one read or write; the handler's time does not count.
 */
public final class HttpServer implements AutoCloseable {
    private static final long MAX_BACKOFF_MILLIS = 1000;
    /** How long the acceptor waits for a slot, while no connection owes anything, before it looks again. */
    private static final long SLOT_WAIT_MILLIS = 10;
    private final ServerSocketChannel listener;
    private final Limits limits;
    private final Function<HttpRequest, HttpResponse> handler;
    private final String name;
    private final Log log;
    private final HttpRequestReader reader;
    private final Semaphore slots;
    private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
    /**
     * The threads connections are served on: virtual ones on a Unix socket (only root reaches the agent's), platform
     * ones on TCP, which any local user reaches (the pages on loopback). The JVM's virtual threads share a carrier per
     * core: a local user asking /metrics over every connection, each again as soon as answered, kept both carriers busy,
     * and a request on agent.sock (the CNI plugin's, `container add`'s) whose handler sleeps 1 ms twenty times took
     * minutes instead of 23 ms, each of its wake-ups queued behind the pages' (docs/agent.md, "Session 66 (t-local)").
     * The kernel shares the cores between platform threads and the carriers.
     */
    private final Thread.Builder connections;
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
        this.connections = servesOthers(listener) ? Thread.ofPlatform().daemon().name(name) : Thread.ofVirtual().name(name);
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

    private static boolean servesOthers(ServerSocketChannel listener) {
        try {
            return listener.getLocalAddress() instanceof InetSocketAddress;
        } catch (IOException e) {
            return true;
        }
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
            SocketChannel channel;
            try {
                channel = listener.accept();
                backoff = 0;
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(10, backoff * 2));
                log.warn(name + ": accepting failed, again in " + backoff + " ms: " + e.getMessage());
                if (!pause(backoff)) {
                    return;
                }
                continue;
            }
            HttpConnection connection = new HttpConnection(channel);
            try {
                takeSlot();
            } catch (InterruptedException e) {
                connection.close();
                return;
            }
            open.add(connection);
            connections.start(() -> serve(connection));
        }
    }

    /**
     * A slot for a new connection: a free one, else the one of the connection that has owed the server something
     * longest, which is closed and whose slot passes to the new one at once (a reconnecting client cannot outpace the
     * acceptor by the time a closed connection's thread takes to end).
     */
    private void takeSlot() throws InterruptedException {
        while (!slots.tryAcquire() && !yieldLongestOwing()) {
            if (slots.tryAcquire(SLOT_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    private boolean yieldLongestOwing() {
        while (true) {
            long now = System.nanoTime();
            HttpConnection longest = null;
            long since = 0;
            for (HttpConnection connection : open) {
                Long owing = connection.slot().owingBy(now);
                if (owing != null && (longest == null || owing - since < 0)) {
                    longest = connection;
                    since = owing;
                }
            }
            if (longest == null) {
                return false;
            }
            if (longest.slot().yieldSlot(since)) {
                longest.close();
                return true;
            }
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
                if (request == null || !connection.slot().answering()) {
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
            if (connection.slot().leave()) {
                slots.release();
            }
        }
    }

    /**
     * The handler's answer; 500 when it throws, logged. An Error too: a class that cannot be loaded (from a jar rewritten
     * under the agent), a stack overflow, memory the request could not have: it ends this request's work, not the
     * agent's, and unlogged it closed the connection unanswered, a client then told to "see the log" finding nothing.
     */
    private HttpResponse answer(HttpRequest request) {
        try {
            return handler.apply(request);
        } catch (RuntimeException | Error e) {
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
