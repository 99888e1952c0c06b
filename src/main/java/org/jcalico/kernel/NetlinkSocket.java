package org.jcalico.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A NETLINK_ROUTE socket through libc's socket calls ({@code java.lang.foreign}). A netlink socket belongs to the
 * network namespace of the thread that created it, for its whole life: open it on a thread in the namespace wanted
 * ({@link NamespaceThread}). Used by one thread at a time. Also the two libc calls that name interfaces, which run in
 * the calling thread's namespace: they must be called on that same thread.
 */
final class NetlinkSocket implements AutoCloseable {
    static final int ENOBUFS = 105;
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int NETLINK_NETFILTER = 12;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUF = 8;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int SO_RCVTIMEO = 20;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_ADD_MEMBERSHIP = 1;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NETLINK_EXT_ACK = 11;
    private static final int MSG_TRUNC = 0x20;
    /** Room for the acks of a whole chunk of requests ({@link NetlinkChannel#CHUNK}), and a dump's messages. */
    private static final int RECEIVE_BUFFER = 4 << 20;
    private static final int READ_SIZE = 64 << 10;
    /** The kernel's room for an interface's name, its NUL included. */
    private static final int IFNAMSIZ = 16;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = Native.libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = Native.libc("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = Native.libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND = Native.libc("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = Native.libc("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle NAME_TO_INDEX = Native.libc("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle INDEX_TO_NAME = Native.libc("if_indextoname", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(CALL_STATE);
    private final MemorySegment readBuffer = arena.allocate(READ_SIZE);
    /** An interface's name for {@link #indexOf}, NUL-terminated: IFNAMSIZ bytes. */
    private final MemorySegment nameBuffer = arena.allocate(IFNAMSIZ);
    private int fd;

    /** Opens an rtnetlink socket in the calling thread's network namespace. */
    NetlinkSocket(long timeoutSeconds) {
        this(timeoutSeconds, NETLINK_ROUTE);
    }

    /** Opens a socket of the netlink family {@code protocol} in the calling thread's network namespace. */
    NetlinkSocket(long timeoutSeconds, int protocol) {
        fd = (int) Native.call(() -> SOCKET.invoke(state, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
        if (fd < 0) {
            int errno = errno();
            arena.close();
            throw new KernelException("cannot open a netlink socket: " + strerror(errno));
        }
        try {
            // many acks arrive at once and the kernel drops what does not fit (ENOBUFS): room for a chunk's worth;
            // beyond net.core.rmem_max only with CAP_NET_ADMIN, which the agent has (without, a batch that overflows
            // is interrupted, read back and retried as any other)
            try {
                option(SOL_SOCKET, SO_RCVBUFFORCE, JAVA_INT, RECEIVE_BUFFER);
            } catch (KernelException e) {
                option(SOL_SOCKET, SO_RCVBUF, JAVA_INT, RECEIVE_BUFFER);
            }
            // acks carry the kernel's error text, not a copy of the request
            option(SOL_NETLINK, NETLINK_CAP_ACK, JAVA_INT, 1);
            option(SOL_NETLINK, NETLINK_EXT_ACK, JAVA_INT, 1);
            // a reply that never comes (it cannot, short of a kernel bug) is an error after the runner's timeout
            MemorySegment timeout = arena.allocate(16);
            timeout.set(JAVA_LONG, 0, timeoutSeconds);
            setsockopt(SOL_SOCKET, SO_RCVTIMEO, timeout);
        } catch (KernelException e) {
            close();
            throw e;
        }
    }

    /**
     * Receives the kernel's messages to the multicast GROUP of this socket's netlink family from now on. The socket is
     * bound first (the kernel picks its port): one that never sent or bound is in the group but given nothing.
     */
    void join(int group) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment address = call.allocate(12); // sockaddr_nl: family, padding, port 0 (the kernel's choice), groups 0
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
            if ((int) Native.call(() -> BIND.invoke(state, fd, address, (int) address.byteSize())) != 0) {
                throw new KernelException("cannot bind a netlink socket: " + strerror(errno()));
            }
        }
        option(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, JAVA_INT, group);
    }

    private void option(int level, int name, ValueLayout.OfInt layout, int value) {
        MemorySegment segment = arena.allocate(layout);
        segment.set(layout, 0, value);
        setsockopt(level, name, segment);
    }

    private void setsockopt(int level, int name, MemorySegment value) {
        if ((int) Native.call(() -> SETSOCKOPT.invoke(state, fd, level, name, value, (int) value.byteSize())) != 0) {
            throw new KernelException("cannot set netlink socket option " + name + ": " + strerror(errno()));
        }
    }

    /** Sends the messages in one sendmsg; the kernel handles each in turn before this returns. */
    void send(ByteBuffer messages) {
        open();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment data = call.allocate(messages.remaining());
            data.copyFrom(MemorySegment.ofBuffer(messages));
            long sent = (long) Native.call(() -> SEND.invoke(state, fd, data, data.byteSize(), 0));
            if (sent != data.byteSize()) {
                throw new Failed(sent < 0 ? errno() : 0, "netlink send: " + (sent < 0 ? strerror(errno()) : "short write"));
            }
        }
    }

    /** The next datagram: one or more messages. */
    ByteBuffer receive() {
        open();
        long read = (long) Native.call(() -> RECV.invoke(state, fd, readBuffer, (long) READ_SIZE, MSG_TRUNC));
        if (read < 0) {
            int errno = errno();
            throw new Failed(errno, "netlink receive: " + strerror(errno));
        }
        if (read > READ_SIZE) {
            throw new Failed(0, "netlink receive: a datagram of " + read + " bytes is larger than " + READ_SIZE);
        }
        ByteBuffer copy = ByteBuffer.allocate((int) read).order(ByteOrder.nativeOrder());
        MemorySegment.ofBuffer(copy).copyFrom(readBuffer.asSlice(0, read));
        return copy;
    }

    private void open() {
        if (fd < 0) {
            throw new Failed(0, "netlink socket closed");
        }
    }

    /** The interface's index in this thread's namespace, or 0 when there is none by that name. */
    static int index(String name) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(CALL_STATE);
            return (int) Native.call(() -> NAME_TO_INDEX.invoke(state, call.allocateFrom(name)));
        }
    }

    /**
     * {@link #index(String)} with this socket's own buffers, no arena made and closed per lookup: a cold pass's routes
     * look up a thousand interfaces on the socket's thread (docs/dataplane.md, "Session 68 (p-links)"). A name that
     * does not fit the kernel's IFNAMSIZ names no interface, as if_nametoindex says.
     */
    int indexOf(String name) {
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length >= IFNAMSIZ) {
            return 0;
        }
        MemorySegment.copy(bytes, 0, nameBuffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
        nameBuffer.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return (int) Native.call(() -> NAME_TO_INDEX.invoke(state, nameBuffer));
    }

    /** The interface's name in this thread's namespace, or null when no interface has that index. */
    static String name(int index) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(CALL_STATE);
            MemorySegment buffer = call.allocate(16);
            MemorySegment name = (MemorySegment) Native.call(() -> INDEX_TO_NAME.invoke(state, index, buffer));
            return name.equals(MemorySegment.NULL) ? null : buffer.getString(0);
        }
    }

    /** The kernel's text for an errno, as ip and every other tool print it ("File exists"). */
    static String strerror(int errno) {
        MemorySegment text = (MemorySegment) Native.call(() -> STRERROR.invoke(errno));
        return text.reinterpret(256).getString(0);
    }

    private int errno() {
        return (int) ERRNO.get(state, 0L);
    }

    /** Closes the socket; a thread blocked in it, or the next call, fails. For tests: a socket lost mid-batch. */
    @Override
    public void close() {
        if (fd >= 0) {
            int closed = fd;
            fd = -1;
            Native.call(() -> CLOSE.invoke(state, closed));
            arena.close();
        }
    }

    /** The socket failed: what a batch sent on it did is unknown. {@link #errno} is 0 when the kernel gave none. */
    static final class Failed extends KernelException {
        final int errno;

        Failed(int errno, String message) {
            super(message);
            this.errno = errno;
        }
    }
}
