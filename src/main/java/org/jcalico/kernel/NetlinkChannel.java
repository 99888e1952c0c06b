package org.jcalico.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Requests and dumps over a {@link NetlinkSocket}, on the thread that opened it ({@link NamespaceThread}).
 *
 * <p>A batch of requests goes out in chunks of {@value #CHUNK}, each chunk one sendmsg, every request with its own
 * sequence number and NLM_F_ACK; the kernel handles a chunk's requests one by one, each refusal touching only its own
 * request, and answers each with an ack or its errno, so a refusal is mapped back to the request that caused it. Acks
 * are counted, never assumed: when one cannot arrive (the socket failed, or the kernel dropped acks for want of room,
 * ENOBUFS), the batch is {@link Rtnetlink.Interrupted} and which of its requests took effect is unknown; the socket is replaced.
 *
 * <p>A dump whose kernel state changed while it was read (NLM_F_DUMP_INTR), or that lost messages (ENOBUFS), is
 * read again from the start, up to {@value #DUMPS} times.
 */
final class NetlinkChannel implements AutoCloseable {
    static final int NLM_F_REQUEST = 1;
    static final int NLM_F_ACK = 4;
    static final int NLM_F_DUMP = 0x300;
    /** Requests per sendmsg: their acks (with NETLINK_CAP_ACK, about 1 KiB each as the kernel counts) fit the buffer. */
    static final int CHUNK = 256;
    /**
     * Bytes after which a chunk takes no further request: a sendmsg larger than the socket's send buffer (212,992
     * bytes by default) is refused, and ipset's requests carry up to {@link IpSetNetlink#MESSAGE_BYTES} of members.
     */
    static final int CHUNK_BYTES = 128 << 10;
    private static final int DUMPS = 5;
    private final long timeoutSeconds;
    private final int protocol;
    private NetlinkSocket socket;
    private int sequence;
    /** For tests: the socket is closed once this many more requests were sent; -1 for never. */
    private int closeAfter = -1;

    NetlinkChannel(long timeoutSeconds) {
        this(timeoutSeconds, NetlinkSocket.NETLINK_ROUTE);
    }

    /** Over a socket of the netlink family {@code protocol}. */
    NetlinkChannel(long timeoutSeconds, int protocol) {
        this.timeoutSeconds = timeoutSeconds;
        this.protocol = protocol;
        this.socket = new NetlinkSocket(timeoutSeconds, protocol);
    }

    /** One request: its message type, flags beside NLM_F_REQUEST and NLM_F_ACK, and its fixed part and attributes. */
    record Request(int type, int flags, Consumer<NetlinkWriter> body) {
    }

    /**
     * For tests: the socket is closed once {@code requests} more requests were sent, in this batch or the ones after
     * (the requests of a batch are sent in chunks; the one that reaches the count is cut there).
     */
    void closeAfter(int requests) {
        closeAfter = requests;
    }

    /**
     * Sends the requests, in order, and returns the refused ones' errors by index into requests.
     *
     * @throws Rtnetlink.Interrupted when an ack was lost: which requests took effect is unknown
     */
    Map<Integer, String> send(List<Request> requests) {
        Map<Integer, String> refused = new HashMap<>();
        try {
            for (int from = 0; from < requests.size(); ) {
                int first = sequence + 1;
                NetlinkWriter writer = new NetlinkWriter();
                int count = 0;
                boolean closing = false;
                while (from + count < requests.size() && count < CHUNK && writer.size() < CHUNK_BYTES) {
                    if (closeAfter == from + count) {
                        closing = true;
                        closeAfter = -1;
                        break;
                    }
                    Request request = requests.get(from + count);
                    writer.begin(request.type(), request.flags() | NLM_F_REQUEST | NLM_F_ACK, ++sequence);
                    request.body().accept(writer);
                    writer.end();
                    count++;
                }
                if (!writer.isEmpty()) {
                    socket().send(writer.messages());
                }
                if (closing) {
                    socket().close();
                }
                int acked = 0;
                while (acked < count) {
                    for (NetlinkMessage message : NetlinkMessage.parse(socket.receive())) {
                        int index = message.sequence() - first;
                        if (message.type() == NetlinkMessage.NLMSG_ERROR && index >= 0 && index < count) {
                            acked++;
                            if (message.errno() != 0) {
                                refused.put(from + index, message.error());
                            }
                        }
                        // anything else is late news of an earlier, interrupted batch
                    }
                }
                from += count;
            }
            if (closeAfter >= 0) {
                // counted on into the next batch: a writer that sends its work in several batches is cut where asked
                closeAfter -= requests.size();
            }
            return refused;
        } catch (NetlinkSocket.Failed e) {
            replace();
            throw new Rtnetlink.Interrupted("netlink: a batch of " + requests.size() + " requests was interrupted: " + e.getMessage());
        }
    }

    /**
     * The answer to one request that is not a dump (its messages before the ack), as for a netfilter GET of one thing.
     *
     * @throws KernelException when the kernel refused it
     * @throws Rtnetlink.Interrupted when the socket failed on the way
     */
    List<NetlinkMessage> query(int type, Consumer<NetlinkWriter> body) {
        NetlinkWriter writer = new NetlinkWriter().begin(type, NLM_F_REQUEST | NLM_F_ACK, ++sequence);
        body.accept(writer);
        int request = sequence;
        List<NetlinkMessage> answer = new ArrayList<>();
        try {
            socket().send(writer.end().messages());
            while (true) {
                for (NetlinkMessage message : NetlinkMessage.parse(socket.receive())) {
                    if (message.sequence() != request) {
                        continue;
                    }
                    if (message.type() == NetlinkMessage.NLMSG_ERROR) {
                        if (message.errno() != 0) {
                            throw new KernelException("netlink request refused: " + message.error());
                        }
                        return answer;
                    }
                    answer.add(message);
                }
            }
        } catch (NetlinkSocket.Failed e) {
            replace();
            throw new Rtnetlink.Interrupted("netlink: a request was interrupted: " + e.getMessage());
        }
    }

    /** Every message of a dump of {@code type} (an RTM_GET*), whose fixed part the body writes. */
    List<NetlinkMessage> dump(int type, Consumer<NetlinkWriter> body) {
        List<NetlinkMessage> dumped = new ArrayList<>();
        dump(type, body, () -> {
            dumped.clear();
            return dumped::add;
        });
        return dumped;
    }

    /**
     * The same, each message handed to a reader as its datagram arrives, so that a large dump is never held whole: a
     * dump read again from the start is handed to a fresh reader of READERS.
     */
    void dump(int type, Consumer<NetlinkWriter> body, Supplier<Consumer<NetlinkMessage>> readers) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (once(type, body, readers.get())) {
                    return;
                }
            } catch (NetlinkSocket.Failed e) {
                replace();
                if (e.errno != NetlinkSocket.ENOBUFS || attempt >= DUMPS) {
                    throw new Rtnetlink.Interrupted("netlink: a dump was interrupted: " + e.getMessage());
                }
            }
            if (attempt >= DUMPS) {
                throw new Rtnetlink.Interrupted("netlink: the kernel's state changed during each of " + DUMPS + " dumps");
            }
        }
    }

    /** One dump's messages to READER; false when the kernel says its state changed while it was read. */
    private boolean once(int type, Consumer<NetlinkWriter> body, Consumer<NetlinkMessage> reader) {
        NetlinkWriter writer = new NetlinkWriter().begin(type, NLM_F_REQUEST | NLM_F_DUMP, ++sequence);
        body.accept(writer);
        int request = sequence;
        socket().send(writer.end().messages());
        boolean interrupted = false;
        while (true) {
            for (NetlinkMessage message : NetlinkMessage.parse(socket.receive())) {
                if (message.sequence() != request) {
                    continue;
                }
                interrupted |= (message.flags() & NetlinkMessage.NLM_F_DUMP_INTR) != 0;
                if (message.type() == NetlinkMessage.NLMSG_DONE) {
                    return !interrupted;
                }
                if (message.type() == NetlinkMessage.NLMSG_ERROR) {
                    throw new KernelException("netlink dump refused: " + message.error());
                }
                reader.accept(message);
            }
        }
    }

    /**
     * Closes the socket; the next request opens another. The kernel handles a netfilter socket's release as news
     * (NETLINK_URELEASE): nf_tables then finishes freeing what its last commits deleted ({@link IpSetNetlink#release}).
     */
    void release() {
        replace();
    }

    /** The interface's index in this thread's namespace, or 0 when there is none by that name ({@link NetlinkSocket#indexOf}). */
    int index(String name) {
        return socket().indexOf(name);
    }

    private NetlinkSocket socket() {
        if (socket == null) {
            socket = new NetlinkSocket(timeoutSeconds, protocol);
        }
        return socket;
    }

    /** A socket that failed may hold answers to requests no one waits for any more: the next batch gets a new one. */
    private void replace() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    @Override
    public void close() {
        replace();
    }
}
