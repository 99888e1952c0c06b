package org.jcalico.testing;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many clients connecting to a Unix socket at once and then saying nothing, as a flood would: each connects on a
 * thread of its own, since a connect waits while the server's accept queue is full. Closing the flood closes every
 * connection, made or still waiting.
 */
public final class ConnectionFlood implements AutoCloseable {
    private final List<SocketChannel> channels = new CopyOnWriteArrayList<>();
    private final AtomicInteger connected = new AtomicInteger();

    public ConnectionFlood(Path socket, int connections) throws IOException {
        for (int i = 0; i < connections; i++) {
            SocketChannel channel = SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
            channels.add(channel);
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    channel.connect(UnixDomainSocketAddress.of(socket));
                    connected.incrementAndGet();
                } catch (IOException e) {
                    // closed while waiting
                }
            });
        }
    }

    /** How many connections the kernel has completed so far (accepted, or waiting in the accept queue). */
    public int connected() {
        return connected.get();
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel channel : channels) {
            channel.close();
        }
    }
}
