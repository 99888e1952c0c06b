package org.jcalico.docker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real dockerd's API socket served through a relay that can hold back the answer to some requests: a dockerd
 * slow to answer one question, made deterministic. Every request goes to the real daemon (jcalico's client sends one
 * GET per connection, "Connection: close"); one whose request line contains what {@link #hold} names is sent there
 * only after the given time.
 */
final class SlowDockerd implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path socket;
    private volatile String held;
    private volatile Duration delay = Duration.ZERO;

    private SlowDockerd(ServerSocketChannel server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    static SlowDockerd relay(Path socket, Path dockerd) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        SlowDockerd relay = new SlowDockerd(server, socket);
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel client = server.accept();
                    Thread.ofVirtual().start(() -> relay.serve(client, dockerd));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return relay;
    }

    Path socket() {
        return socket;
    }

    /** From now on, requests whose request line contains PART reach dockerd DELAY later; null: none. */
    void hold(String part, Duration delay) {
        this.delay = delay;
        this.held = part;
    }

    private void serve(SocketChannel client, Path dockerd) {
        try (client; SocketChannel daemon = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ByteBuffer request = ByteBuffer.allocate(64 * 1024);
            String head = "";
            while (!head.contains("\r\n\r\n") && client.read(request) > 0) {
                head = new String(request.array(), 0, request.position(), StandardCharsets.UTF_8);
            }
            String part = held;
            if (part != null && head.lines().findFirst().orElse("").contains(part)) {
                Thread.sleep(delay);
            }
            daemon.connect(UnixDomainSocketAddress.of(dockerd));
            request.flip();
            while (request.hasRemaining()) {
                daemon.write(request);
            }
            ByteBuffer answer = ByteBuffer.allocate(64 * 1024);
            while (daemon.read(answer) >= 0) {
                answer.flip();
                while (answer.hasRemaining()) {
                    client.write(answer);
                }
                answer.clear();
            }
        } catch (IOException e) {
            // the client gave up (its own timeout) or the daemon went: the client sees the connection end
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
