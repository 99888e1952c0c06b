package org.jcalico.agent.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One client's connection as bytes: lines and bodies read through a buffer (so that pipelined requests stay in it for
 * the next), answers written whole. It records since when it waits on the client, and by when the part of a request
 * being read is due, so that the server's watchdog can close a connection whose client sends or takes nothing for too
 * long, or trickles a request; the handler's own time does not count. How it holds its server's slot is its {@link
 * SlotHold}.
 */
final class HttpConnection implements AutoCloseable {
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private final SocketChannel channel;
    /** In read mode: from position to limit what was received and not yet parsed. */
    private final ByteBuffer in = ByteBuffer.allocate(BUFFER_BYTES).flip();
    /** System.nanoTime() when the current read or write began, or 0 when not waiting on the client. */
    private volatile long waitingSince;
    /** System.nanoTime() by which the part of the request being read must have arrived whole, or 0 when none is. */
    private volatile long deadline;
    private final SlotHold slot = new SlotHold();

    HttpConnection(SocketChannel channel) {
        this.channel = channel;
    }

    SlotHold slot() {
        return slot;
    }

    /** Whether it has waited on its client longer than {@code nanos} in one read or write. */
    boolean stalled(long now, long nanos) {
        long since = waitingSince;
        return since != 0 && now - since > nanos;
    }

    /** Whether the part of the request being read is past its deadline. */
    boolean overdue(long now) {
        long by = deadline;
        return by != 0 && now - by > 0;
    }

    /** The part of the request read from now on must have arrived whole within BOUND; null: no bound (the handler's turn). */
    void due(Duration bound) {
        deadline = bound == null ? 0 : Math.max(1, System.nanoTime() + bound.toNanos());
    }

    /** Whether a request has begun arriving (a pipelined one, or bytes of one): false at a clean end between requests. */
    boolean atEnd() throws IOException {
        return !in.hasRemaining() && fill() < 0;
    }

    /**
     * One line without its CR LF (or bare LF), of at most {@code limit} bytes with its end.
     *
     * @throws HttpRefusal with {@code status} when the line runs over the limit
     */
    String readLine(int limit, int status) throws IOException, HttpRefusal {
        int scanned = 0;
        while (true) {
            for (int i = in.position() + scanned; i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    int length = i - in.position();
                    if (length + 1 > limit) {
                        break;
                    }
                    int end = length > 0 && in.get(i - 1) == '\r' ? length - 1 : length;
                    String line = new String(in.array(), in.position(), end, StandardCharsets.ISO_8859_1);
                    in.position(i + 1);
                    return line;
                }
            }
            scanned = in.remaining();
            if (scanned >= limit) {
                throw new HttpRefusal(status, "a line over " + limit + " bytes");
            }
            if (fill() < 0) {
                throw new EOFException("the client ended the connection within a request");
            }
        }
    }

    /** Exactly {@code length} bytes, appended to {@code body}. */
    void readBody(int length, ByteArrayOutputStream body) throws IOException {
        int left = length;
        while (left > 0) {
            if (!in.hasRemaining() && fill() < 0) {
                throw new EOFException("the client ended the connection within a body");
            }
            int part = Math.min(left, in.remaining());
            body.write(in.array(), in.position(), part);
            in.position(in.position() + part);
            left -= part;
        }
    }

    /** Tells a client that waits for it (Expect: 100-continue) to send the body. */
    void sendContinue() throws IOException {
        write(ByteBuffer.wrap(CONTINUE));
    }

    void send(HttpResponse response, boolean close, boolean withBody) throws IOException {
        ByteBuffer head = ByteBuffer.wrap(response.head(close));
        ByteBuffer body = ByteBuffer.wrap(withBody ? response.body() : new byte[0]);
        slot.answerBegins();
        waitingSince = System.nanoTime();
        try {
            while (head.hasRemaining() || body.hasRemaining()) {
                channel.write(new ByteBuffer[] {head, body});
                waitingSince = System.nanoTime();
            }
        } finally {
            waitingSince = 0;
        }
        slot.answerTaken();
    }

    private void write(ByteBuffer bytes) throws IOException {
        waitingSince = System.nanoTime();
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
                waitingSince = System.nanoTime();
            }
        } finally {
            waitingSince = 0;
        }
    }

    /** Reads what the client sent next into the buffer; the count, or -1 at its end. */
    private int fill() throws IOException {
        in.compact();
        waitingSince = System.nanoTime();
        try {
            return channel.read(in);
        } finally {
            waitingSince = 0;
            in.flip();
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
