package org.jcalico.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Encodes netlink messages one after another into one buffer, for one sendmsg: each a 16-byte header (length, type,
 * flags, sequence number, port 0 = the kernel), the message's fixed part, then its attributes (length, type, value),
 * everything aligned to 4 bytes, in the host's byte order.
 */
final class NetlinkWriter {
    private static final int HEADER = 16;
    private ByteBuffer buffer = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
    private int start = -1;
    /** Where each nested attribute still open began, innermost first. */
    private final Deque<Integer> nests = new ArrayDeque<>();

    /** Starts a message; {@link #end()} finishes it. */
    NetlinkWriter begin(int type, int flags, int sequence) {
        room(HEADER);
        start = buffer.position();
        buffer.putInt(0).putShort((short) type).putShort((short) flags).putInt(sequence).putInt(0);
        return this;
    }

    NetlinkWriter u8(int value) {
        room(1);
        buffer.put((byte) value);
        return this;
    }

    NetlinkWriter u16(int value) {
        room(2);
        buffer.putShort((short) value);
        return this;
    }

    NetlinkWriter u32(int value) {
        room(4);
        buffer.putInt(value);
        return this;
    }

    NetlinkWriter attribute(int type, byte[] value) {
        room(4 + value.length + 3);
        buffer.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        align();
        return this;
    }

    NetlinkWriter attribute(int type, int value) {
        return attribute(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    /** A string attribute, NUL-terminated as the kernel wants names. */
    NetlinkWriter attribute(int type, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        byte[] terminated = new byte[text.length + 1];
        System.arraycopy(text, 0, terminated, 0, text.length);
        return attribute(type, terminated);
    }

    /** Bytes already encoded as attributes (each 4-byte aligned), as they are: a nest's content made beforehand. */
    NetlinkWriter encoded(byte[] attributes, int length) {
        room(length);
        buffer.put(attributes, 0, length);
        return this;
    }

    /** Starts an attribute whose value is what is written until {@link #endNest()}: attributes, or a fixed part and attributes. */
    NetlinkWriter nest(int type) {
        room(4);
        nests.push(buffer.position());
        buffer.putShort((short) 0).putShort((short) type);
        return this;
    }

    NetlinkWriter endNest() {
        int nest = nests.pop();
        buffer.putShort(nest, (short) (buffer.position() - nest));
        align();
        return this;
    }

    NetlinkWriter end() {
        align();
        buffer.putInt(start, buffer.position() - start);
        start = -1;
        return this;
    }

    boolean isEmpty() {
        return buffer.position() == 0;
    }

    /** The bytes written so far. */
    int size() {
        return buffer.position();
    }

    /** The messages written so far, ready to send. */
    ByteBuffer messages() {
        return buffer.duplicate().order(ByteOrder.nativeOrder()).flip();
    }

    private void align() {
        int padding = (4 - buffer.position() % 4) % 4;
        room(padding);
        buffer.put(new byte[padding]);
    }

    private void room(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes))
                    .order(ByteOrder.nativeOrder());
            larger.put(buffer.flip());
            buffer = larger;
        }
    }
}
