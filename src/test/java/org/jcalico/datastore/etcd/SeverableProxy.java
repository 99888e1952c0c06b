package org.jcalico.datastore.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback in front of a real server, standing for the network between a client and it: a test can
 * sever it (every open connection is closed and new ones are closed on arrival, as a reset would) and mend it, or
 * silence the open connections (their bytes are dropped both ways and neither end is told, as when a path turns
 * into a black hole) while new ones work, or cut later connections off partway through the server's answers (the
 * first bytes arrive, then nothing, and the connection stays open), or only the next connection's whole answer. Only sockets of this process on 127.0.0.1 are
 * involved.
 */
final class SeverableProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean severed;
    private volatile long answerBytes = Long.MAX_VALUE;
    private final java.util.concurrent.atomic.AtomicBoolean cutNext = new java.util.concurrent.atomic.AtomicBoolean();

    SeverableProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Closes every relayed connection now, and each new one as it arrives, until {@link #mend}. */
    void sever() {
        severed = true;
        open.forEach(SeverableProxy::closeQuietly);
        open.clear();
    }

    void mend() {
        severed = false;
    }

    /** From now on the connections open now carry nothing, and stay open; later connections are relayed as usual. */
    void silenceOpenConnections() {
        silenced.addAll(open);
    }

    /** Connections made from now on carry only the first BYTES bytes of what the server sends, then nothing. */
    void cutAnswersAfter(long bytes) {
        answerBytes = bytes;
    }

    /**
     * The open connections are closed (as by {@link #sever}, without refusing new ones), and the next connection made
     * carries the request but none of the answer: once the answer starts (the member has done what was asked), the
     * connection is closed, as a member that fails right after its commit closes it. Its client learns at once that it
     * has no answer, as it would after its timeout had the connection stayed silent (the same IOException branch of
     * the client, 5 s later); those after it are relayed as usual.
     */
    void loseTheNextAnswer() {
        open.forEach(SeverableProxy::closeQuietly);
        open.clear();
        cutNext.set(true);
    }

    /** How many connections the proxy has relayed so far. */
    int accepted() {
        return accepted.get();
    }

    /** How many bytes of the server's answers the proxy has relayed so far. */
    long answered() {
        return answered.get();
    }

    @Override
    public void close() {
        closeQuietly(server);
        sever();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (severed) {
                    closeQuietly(client);
                    continue;
                }
                relay(client);
            } catch (IOException e) {
                // the server socket was closed: the proxy is done
            }
        }
    }

    private void relay(Socket client) {
        try {
            Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            accepted.incrementAndGet();
            open.add(client);
            open.add(upstream);
            boolean cut = cutNext.getAndSet(false);
            long answerLimit = cut ? 0 : answerBytes;
            Thread.ofVirtual().start(() -> pump(client, upstream, Long.MAX_VALUE, null, false));
            Thread.ofVirtual().start(() -> pump(upstream, client, answerLimit, answered, cut));
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    /**
     * Relays FROM's bytes to TO, up to LIMIT of them, counted in RELAYED (if given); the rest is read and dropped, or,
     * if HANG_UP, ends both connections.
     */
    private void pump(Socket from, Socket to, long limit, java.util.concurrent.atomic.AtomicLong relayed, boolean hangUp) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[8192];
            long left = limit;
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                int count = (int) Math.min(read, left);
                if (!silenced.contains(from) && count > 0) {
                    out.write(buffer, 0, count);
                    out.flush();
                    if (relayed != null) {
                        relayed.addAndGet(count);
                    }
                }
                left -= count;
                if (hangUp && read > count) {
                    break;
                }
            }
        } catch (IOException e) {
            // one side went away: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
            silenced.remove(from);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
