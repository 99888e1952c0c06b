package org.jcalico.util;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An input that fails its reader once more than a bound has come: what a peer or a tool sends without end (an etcd
 * member or a proxy in front of it, a tool under the agent's shell) would otherwise fill the heap of whoever holds
 * what it read. An answer is bounded whole; a stream of answers that never ends (an etcd watch) line by line, or from
 * wherever its reader says the next answer begins ({@link #renew}).
 */
public final class BoundedInput extends FilterInputStream {
    private final String sender;
    private final long bound;
    private final boolean perLine;
    /** Bytes come since the answer's start, or since the last line's end. */
    private volatile long counted;

    private BoundedInput(InputStream input, String sender, long bound, boolean perLine) {
        super(input);
        this.sender = sender;
        this.bound = bound;
        this.perLine = perLine;
    }

    /** Answers of at most {@code bound} bytes each, from {@code sender} (for the message: "etcd at URL sent"). */
    public static BoundedInput whole(InputStream input, String sender, long bound) {
        return new BoundedInput(input, sender, bound, false);
    }

    /** Answers one a line, each of at most {@code bound} bytes. */
    public static BoundedInput perLine(InputStream input, String sender, long bound) {
        return new BoundedInput(input, sender, bound, true);
    }

    /** The next answer begins with the next byte read. */
    public void renew() {
        counted = 0;
    }

    /** Whether the reader was failed for an answer over the bound. */
    public boolean exceeded() {
        return counted > bound;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(perLine && b == '\n' ? 0 : -1, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            int lineEnd = n - 1;
            while (perLine && lineEnd >= 0 && buffer[offset + lineEnd] != '\n') {
                lineEnd--;
            }
            count(perLine ? lineEnd : -1, n);
        }
        return n;
    }

    /** Counts N bytes read, the last line's end at index LINE_END among them (-1: none). */
    private void count(int lineEnd, int n) throws IOException {
        counted = lineEnd >= 0 ? n - 1 - lineEnd : counted + n;
        if (counted > bound) {
            throw new IOException(sender + " more than " + size() + " in one answer");
        }
    }

    /** The bound, for messages. */
    public String size() {
        return bound >= 1 << 20 ? (bound >> 20) + " MiB" : (bound >> 10) + " KiB";
    }
}
