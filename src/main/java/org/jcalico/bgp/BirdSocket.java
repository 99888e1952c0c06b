package org.jcalico.bgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One request to a running BIRD on its control socket, as birdc makes it, without starting birdc. The agent checks and
 * applies each new configuration this way: a new IPAM block's configuration started two processes (`bird -p`, `birdc
 * configure`) on the cores the block's first container, and the other hosts' route to it, were waiting for
 * (docs/agent.md, "Session 45 (d-tail)").
 *
 * <p>BIRD's side of the exchange (its cli.c): a greeting line, then for each request line reply lines "DDDD-text"
 * (more follow), " text" (more of the same code), and a last one "DDDD text"; codes of 8000 and up are refusals.
 */
final class BirdSocket {
    /**
     * What BIRD answered in its last line (code and text), and the lines before it: what it is doing ("Reading
     * configuration from ..."), or what a `show` command shows, each with its code.
     */
    record Reply(int code, String text, List<Line> lines) {
        boolean ok() {
            return code < 8000;
        }
    }

    /** One line of a reply before its last: BIRD's code for it (a continuation line " text" keeps the code before it). */
    record Line(int code, String text) {
    }

    private BirdSocket() {
    }

    /** Sends REQUEST to the BIRD listening on SOCKET; an IOException when it cannot be asked or has not answered in TIMEOUT. */
    static Reply request(Path socket, String request, Duration timeout) throws IOException {
        if (request.contains("\n")) {
            throw new IllegalArgumentException("one line, not '" + request + "'");
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // a BIRD that accepts but never answers (hung, stopped) must not hold the caller: closing ends a blocked read
            Thread watchdog = Thread.ofVirtual().start(() -> closeAfter(channel, timeout));
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                Lines lines = new Lines(channel);
                Reply greeting = lines.reply();
                if (greeting.code() != 1) {
                    throw new IOException("not BIRD's greeting: " + greeting.text());
                }
                ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                return lines.reply();
            } catch (ClosedChannelException e) {
                throw new IOException("BIRD did not answer within " + timeout.toMillis() + " ms");
            } finally {
                watchdog.interrupt();
            }
        }
    }

    private static void closeAfter(SocketChannel channel, Duration timeout) {
        try {
            Thread.sleep(timeout);
            channel.close();
        } catch (InterruptedException | IOException e) {
            // interrupted: the exchange finished in time
        }
    }

    /** The reply lines of one channel, read as they come. */
    private static final class Lines {
        private final SocketChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(4096);
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Lines(SocketChannel channel) {
            this.channel = channel;
            buffer.flip();
        }

        /** Lines up to and including the one with a code and a space, which is the reply. */
        Reply reply() throws IOException {
            List<Line> before = new ArrayList<>();
            int code = 0;
            while (true) {
                String next = next();
                boolean coded = next.length() >= 5 && next.substring(0, 4).chars().allMatch(Character::isDigit);
                if (coded && next.charAt(4) == ' ') {
                    return new Reply(Integer.parseInt(next.substring(0, 4)), next.substring(5), before);
                }
                if (coded && next.charAt(4) == '-') {
                    code = Integer.parseInt(next.substring(0, 4));
                    before.add(new Line(code, next.substring(5)));
                } else if (next.startsWith(" ")) {
                    before.add(new Line(code, next.substring(1)));
                }
            }
        }

        private String next() throws IOException {
            line.reset();
            while (true) {
                if (!buffer.hasRemaining()) {
                    buffer.clear();
                    if (channel.read(buffer) < 0) {
                        throw new IOException("BIRD closed its control socket mid-reply");
                    }
                    buffer.flip();
                }
                byte b = buffer.get();
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
        }
    }
}
