package org.jcalico.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One netlink message the kernel sent: its header's fields and its body (the fixed part, then attributes). */
record NetlinkMessage(int type, int flags, int sequence, ByteBuffer body) {
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_MULTI = 2;
    static final int NLM_F_DUMP_INTR = 16;
    /** On an ack: attributes (the kernel's error text) follow the error code and the request's header. */
    private static final int NLM_F_ACK_TLVS = 0x200;
    private static final int NLMSGERR_ATTR_MSG = 1;
    private static final int HEADER = 16;

    /** The messages of one datagram. */
    static List<NetlinkMessage> parse(ByteBuffer datagram) {
        List<NetlinkMessage> messages = new ArrayList<>();
        int position = 0;
        while (position + HEADER <= datagram.limit()) {
            int length = datagram.getInt(position);
            if (length < HEADER || position + length > datagram.limit()) {
                throw new NetlinkSocket.Failed(0, "netlink: a message of length " + length + " does not fit its datagram");
            }
            ByteBuffer body = datagram.slice(position + HEADER, length - HEADER).order(ByteOrder.nativeOrder());
            messages.add(new NetlinkMessage(Short.toUnsignedInt(datagram.getShort(position + 4)),
                    Short.toUnsignedInt(datagram.getShort(position + 6)), datagram.getInt(position + 8), body));
            position += (length + 3) & ~3;
        }
        return messages;
    }

    /** Of an NLMSG_ERROR: 0 for an ack, else the errno the request was refused with. */
    int errno() {
        return -body.getInt(0);
    }

    /**
     * Of a refusal: the kernel's text for the errno ("File exists"), and the reason the kernel gave beside it when it
     * gave one ("Nexthop device is not up").
     */
    String error() {
        String text = errno() >= IpSetErrors.PRIVATE ? IpSetErrors.text(errno()) : NetlinkSocket.strerror(errno());
        if ((flags & NLM_F_ACK_TLVS) != 0) {
            // with NETLINK_CAP_ACK the request's header alone follows the error code, not its body
            byte[] reason = attributes(4 + HEADER).get(NLMSGERR_ATTR_MSG);
            if (reason != null) {
                return string(reason) + " (" + text + ")";
            }
        }
        return text;
    }

    /** The attributes from offset on, by type (the last of each type); nested and flag bits masked off the type. */
    Map<Integer, byte[]> attributes(int offset) {
        Map<Integer, byte[]> attributes = new HashMap<>();
        eachAttribute(offset, (type, value, length) -> {
            attributes.put(type, value(value, length));
            return true;
        });
        return attributes;
    }

    /**
     * The value of the first attribute of TYPE from offset on (nested and flag bits masked off), or null: nothing else
     * copied. With more types, the attribute at the end of that path, each nested in the one before (IFLA_AF_SPEC,
     * AF_INET, IFLA_INET_CONF): only the last is copied.
     */
    byte[] attribute(int offset, int type, int... nested) {
        int[] found = {-1, 0};
        int from = offset;
        int to = body.limit();
        for (int depth = 0; depth <= nested.length; depth++) {
            int wanted = depth == 0 ? type : nested[depth - 1];
            found[0] = -1;
            eachAttribute(from, to, (each, value, length) -> {
                if (each != wanted) {
                    return true;
                }
                found[0] = value;
                found[1] = length;
                return false;
            });
            if (found[0] < 0) {
                return null;
            }
            from = found[0];
            to = found[0] + found[1];
        }
        return value(found[0], found[1]);
    }

    /** What {@link #eachAttribute} shows of one attribute: its type, where its value starts and how long it is. */
    interface AttributeVisitor {
        /** Whether to go on to the next attribute. */
        boolean visit(int type, int value, int length);
    }

    /** Shows each well-formed attribute from offset on to VISITOR, in order, until it says stop or one is malformed. */
    private void eachAttribute(int offset, AttributeVisitor visitor) {
        eachAttribute(offset, body.limit(), visitor);
    }

    /** The same within [offset, end): the value of a nested attribute. */
    void eachAttribute(int offset, int end, AttributeVisitor visitor) {
        int position = offset;
        while (position + 4 <= end) {
            int length = Short.toUnsignedInt(body.getShort(position));
            if (length < 4 || position + length > end
                    || !visitor.visit(Short.toUnsignedInt(body.getShort(position + 2)) & 0x3fff, position + 4, length - 4)) {
                return;
            }
            position += (length + 3) & ~3;
        }
    }

    private byte[] value(int position, int length) {
        byte[] value = new byte[length];
        body.get(position, value);
        return value;
    }

    /** A NUL-terminated string attribute's text. */
    static String string(byte[] value) {
        int end = 0;
        while (end < value.length && value[end] != 0) {
            end++;
        }
        return new String(value, 0, end, StandardCharsets.UTF_8);
    }

    static int u32(byte[] value) {
        return ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt();
    }
}
