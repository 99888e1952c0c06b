package org.jcalico.felix;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jcalico.log.Log;

/**
 * The agent's local door: a Unix socket (root only) that takes one HTTP/1.1 POST per connection and answers with what
 * the handler makes of its body. HTTP, so that the launcher can use curl instead of starting a JVM of its own; one
 * request per connection, so that no state is kept between requests. Each request runs on its own virtual thread,
 * apart from the agent's loop, which keeps programming the kernel meanwhile.
 */
public final class ControlSocket implements AutoCloseable {
    private static final int MAX_BODY = 1 << 20;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    private ControlSocket(Path path, ServerSocketChannel server, UnaryOperator<byte[]> handler, Log log) {
        this.path = path;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("control-socket").start(() -> accept(handler, log));
    }

    /** Listens at path, replacing what a previous agent left there. */
    public static ControlSocket open(Path path, UnaryOperator<byte[]> handler, Log log) throws IOException {
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        return new ControlSocket(path, server, handler, log);
    }

    private void accept(UnaryOperator<byte[]> handler, Log log) {
        while (server.isOpen()) {
            try {
                SocketChannel connection = server.accept();
                Thread.startVirtualThread(() -> serve(connection, handler, log));
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warn("control socket: " + e.getMessage());
                }
            }
        }
    }

    private static void serve(SocketChannel connection, UnaryOperator<byte[]> handler, Log log) {
        try (connection; InputStream in = new BufferedInputStream(Channels.newInputStream(connection));
             OutputStream out = Channels.newOutputStream(connection)) {
            byte[] body = readRequest(in);
            byte[] reply = body == null ? null : handler.apply(body);
            String status = reply == null ? "400 Bad Request" : "200 OK";
            byte[] content = reply == null ? "expected a POST with a Content-Length\n".getBytes(StandardCharsets.UTF_8) : reply;
            out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + content.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(content);
        } catch (IOException | RuntimeException e) {
            log.warn("control socket request failed: " + e);
        }
    }

    /** The body of a POST, or null for anything else. */
    private static byte[] readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        long length = -1;
        for (String header = readLine(in); header != null && !header.isEmpty(); header = readLine(in)) {
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals("content-length")) {
                length = Long.parseLong(header.substring(colon + 1).strip());
            }
        }
        if (requestLine == null || !requestLine.startsWith("POST ") || length < 0 || length > MAX_BODY) {
            return null;
        }
        byte[] body = in.readNBytes((int) length);
        return body.length == length ? body : null;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            server.close();
            acceptor.join(1000);
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // the socket file of a stopped agent is replaced by the next one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
