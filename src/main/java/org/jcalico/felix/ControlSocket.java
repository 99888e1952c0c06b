package org.jcalico.felix;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jcalico.log.Log;

/**
 * The agent's local door: a TCP port on 127.0.0.1 of the host's namespace that takes one HTTP/1.1 POST per connection,
 * with a bearer token, and answers with what the handler makes of its body. The port and the token are in a file only
 * root can read (see {@link AgentPaths#controlFile()}); whoever cannot read it cannot use the door. TCP rather than a
 * Unix socket because the launcher is a shell script, and bash talks TCP without starting any program (on this
 * machine's kind, starting curl alone costs 16 ms); HTTP, so that curl works too. One request per connection, so that
 * no state is kept between requests. Each request runs on its own virtual thread, apart from the agent's loop, which
 * keeps programming the kernel meanwhile.
 */
public final class ControlSocket implements AutoCloseable {
    private static final int MAX_BODY = 1 << 20;
    private final Path file;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    private ControlSocket(Path file, ServerSocketChannel server, byte[] token, UnaryOperator<byte[]> handler, Log log) {
        this.file = file;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("control-socket").start(() -> accept(token, handler, log));
    }

    /** Listens on a free loopback port and writes "PORT TOKEN" to file (root only), replacing a previous agent's. */
    public static ControlSocket open(Path file, UnaryOperator<byte[]> handler, Log log) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Path written = Files.createTempFile(file.getParent(), "control", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(written, port + " " + token + "\n");
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return new ControlSocket(file, server, ("Bearer " + token).getBytes(StandardCharsets.US_ASCII), handler, log);
    }

    private void accept(byte[] token, UnaryOperator<byte[]> handler, Log log) {
        while (server.isOpen()) {
            try {
                SocketChannel connection = server.accept();
                Thread.startVirtualThread(() -> serve(connection, token, handler, log));
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warn("control socket: " + e.getMessage());
                }
            }
        }
    }

    private static void serve(SocketChannel connection, byte[] token, UnaryOperator<byte[]> handler, Log log) {
        try (connection; InputStream in = new BufferedInputStream(Channels.newInputStream(connection));
             OutputStream out = Channels.newOutputStream(connection)) {
            Request request = Request.read(in);
            String status;
            byte[] content;
            if (request == null) {
                status = "400 Bad Request";
                content = "expected a POST with a Content-Length\n".getBytes(StandardCharsets.UTF_8);
            } else if (!MessageDigest.isEqual(token, request.authorization().getBytes(StandardCharsets.US_ASCII))) {
                status = "401 Unauthorized";
                content = "the token is in the agent's control file\n".getBytes(StandardCharsets.UTF_8);
            } else {
                status = "200 OK";
                content = handler.apply(request.body());
            }
            out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + content.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(content);
        } catch (IOException | RuntimeException e) {
            log.warn("control socket request failed: " + e);
        }
    }

    /** A POST's Authorization header (or "") and body. */
    private record Request(String authorization, byte[] body) {
        /** The request, or null for anything but a POST with a body of the length it announced. */
        static Request read(InputStream in) throws IOException {
            String requestLine = readLine(in);
            long length = -1;
            String authorization = "";
            for (String header = readLine(in); header != null && !header.isEmpty(); header = readLine(in)) {
                int colon = header.indexOf(':');
                String name = colon > 0 ? header.substring(0, colon).strip().toLowerCase(Locale.ROOT) : "";
                String value = colon > 0 ? header.substring(colon + 1).strip() : "";
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equals("authorization")) {
                    authorization = value;
                }
            }
            if (requestLine == null || !requestLine.startsWith("POST ") || length < 0 || length > MAX_BODY) {
                return null;
            }
            byte[] body = in.readNBytes((int) length);
            return body.length == length ? new Request(authorization, body) : null;
        }
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
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the control file of a stopped agent is replaced by the next one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
