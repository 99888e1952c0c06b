package org.jcalico.workload;

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
import java.util.Arrays;
import java.util.Locale;

/** HTTP/1.1 GET over a unix socket: all the docker daemon's API needs here, without an HTTP client library. */
final class UnixSocketHttp {
    private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private final Path socket;
    private final Duration timeout;

    UnixSocketHttp(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    record Reply(int status, String body) {
    }

    Reply get(String target) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // a daemon that accepts but never answers must not hang the caller: closing the channel ends a blocked read
            Thread watchdog = Thread.ofVirtual().start(() -> closeAfterTimeout(channel));
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                String request = "GET " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                return parse(readToEnd(channel));
            } catch (ClosedChannelException e) {
                throw new IOException("no answer within " + timeout.toMillis() + " ms");
            } finally {
                watchdog.interrupt();
            }
        }
    }

    private void closeAfterTimeout(SocketChannel channel) {
        try {
            Thread.sleep(timeout);
            channel.close();
        } catch (InterruptedException | IOException e) {
            // interrupted: the exchange finished in time
        }
    }

    private static byte[] readToEnd(SocketChannel channel) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        while (channel.read(buffer) >= 0) {
            all.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return all.toByteArray();
    }

    static Reply parse(byte[] raw) throws IOException {
        int headerEnd = indexOf(raw, HEADER_END, 0);
        if (headerEnd < 0) {
            throw new IOException("malformed HTTP reply (no end of headers)");
        }
        String[] head = new String(raw, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = head[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/") || !statusLine[1].matches("[0-9]{3}")) {
            throw new IOException("malformed HTTP status line: " + head[0]);
        }
        byte[] body = Arrays.copyOfRange(raw, headerEnd + HEADER_END.length, raw.length);
        for (int i = 1; i < head.length; i++) {
            String header = head[i].toLowerCase(Locale.ROOT);
            if (header.startsWith("transfer-encoding:") && header.contains("chunked")) {
                body = dechunk(body);
            } else if (header.startsWith("content-length:")) {
                String length = header.substring("content-length:".length()).strip();
                if (!length.matches("[0-9]{1,9}")) {
                    throw new IOException("malformed HTTP header: " + head[i]);
                }
                body = Arrays.copyOf(body, Math.min(Integer.parseInt(length), body.length));
            }
        }
        return new Reply(Integer.parseInt(statusLine[1]), new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] chunked) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] lineEnd = {'\r', '\n'};
        int at = 0;
        while (true) {
            int end = indexOf(chunked, lineEnd, at);
            if (end < 0) {
                throw new IOException("malformed chunked HTTP body");
            }
            String sizeField = new String(chunked, at, end - at, StandardCharsets.US_ASCII).split(";", 2)[0].strip();
            int size;
            try {
                size = Integer.parseInt(sizeField, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size '" + sizeField + "' in HTTP body");
            }
            at = end + lineEnd.length;
            if (size == 0) {
                return out.toByteArray();
            }
            if (size < 0 || at + size > chunked.length) {
                throw new IOException("truncated chunked HTTP body");
            }
            out.write(chunked, at, size);
            at += size + lineEnd.length;
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        for (int i = from; i <= haystack.length - needle.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
