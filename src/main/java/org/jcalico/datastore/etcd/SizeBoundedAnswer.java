package org.jcalico.datastore.etcd;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * An etcd member's answer that fails its reader once the member has sent more than a bound: a member (or a proxy in
 * front of it) answering without end would otherwise fill the heap of the agent holding what it read. A unary answer
 * is bounded whole; a watch, which never ends, line by line (each line is one of its answers).
 */
final class SizeBoundedAnswer extends FilterInputStream {
    private final URI member;
    private final long bound;
    private final boolean perLine;
    /** Bytes come since the answer's start, or since the last line's end. */
    private long counted;

    private SizeBoundedAnswer(InputStream answer, URI member, long bound, boolean perLine) {
        super(answer);
        this.member = member;
        this.bound = bound;
        this.perLine = perLine;
    }

    /** An answer of at most {@code bound} bytes. */
    static InputStream whole(InputStream answer, URI member, long bound) {
        return new SizeBoundedAnswer(answer, member, bound, false);
    }

    /** A stream of answers, one a line, each of at most {@code bound} bytes. */
    static InputStream perLine(InputStream answers, URI member, long bound) {
        return new SizeBoundedAnswer(answers, member, bound, true);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(b == '\n' ? 0 : -1, 1);
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
        counted = perLine && lineEnd >= 0 ? n - 1 - lineEnd : counted + n;
        if (counted > bound) {
            throw new IOException("etcd at " + member + " sent more than " + (bound >> 20) + " MiB in one answer");
        }
    }
}
