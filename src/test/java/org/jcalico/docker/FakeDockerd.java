package org.jcalico.docker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A dockerd of network blue (and green and red, by {@link #GREEN_ID} and {@link #RED_ID}, for a container on several
 * networks), and (unless told other containers) one container being started on it with the label
 * jcalico.label.role=web: what the network driver asks of dockerd at CreateEndpoint. Before it answers the container list it runs
 * {@code beforeContainerList}, which a test uses to hold that answer back.
 */
final class FakeDockerd implements AutoCloseable {
    private final ServerSocketChannel server;

    private FakeDockerd(ServerSocketChannel server) {
        this.server = server;
    }

    /** Network green's docker id: any other network id is blue's. */
    static final String GREEN_ID = "b".repeat(64);
    /** Network red's docker id. */
    static final String RED_ID = "d".repeat(64);

    /** The container list of one container being started on network blue, labelled jcalico.label.role=web. */
    static final String STARTING = "[{\"Id\":\"" + "c".repeat(64) + "\",\"Labels\":{\"jcalico.label.role\":\"web\"},"
            + "\"NetworkSettings\":{\"Networks\":{\"blue\":{\"EndpointID\":\"\"}}}}]";

    static FakeDockerd serve(Path socket, String networkId, Runnable beforeContainerList) throws IOException {
        return serve(socket, networkId, beforeContainerList, STARTING);
    }

    /** A dockerd whose container list is {@code containers} (JSON). */
    static FakeDockerd serve(Path socket, String networkId, Runnable beforeContainerList, String containers) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try (SocketChannel client = server.accept()) {
                    ByteBuffer request = ByteBuffer.allocate(8192);
                    String head = "";
                    while (!head.contains("\r\n\r\n") && client.read(request) > 0) {
                        head = new String(request.array(), 0, request.position(), StandardCharsets.UTF_8);
                    }
                    String body;
                    if (head.startsWith("GET /containers/json")) {
                        beforeContainerList.run();
                        body = containers;
                    } else if (head.startsWith("GET /networks/" + GREEN_ID)) {
                        body = "{\"Name\":\"green\",\"Id\":\"" + GREEN_ID + "\"}";
                    } else if (head.startsWith("GET /networks/" + RED_ID)) {
                        body = "{\"Name\":\"red\",\"Id\":\"" + RED_ID + "\"}";
                    } else {
                        body = "{\"Name\":\"blue\",\"Id\":\"" + networkId + "\"}";
                    }
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    client.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                            + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
                    client.write(ByteBuffer.wrap(bytes));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return new FakeDockerd(server);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
