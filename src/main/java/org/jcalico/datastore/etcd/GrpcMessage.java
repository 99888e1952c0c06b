package org.jcalico.datastore.etcd;

import java.nio.ByteBuffer;

/**
 * The one gRPC message of a unary call's answer, gathered from the HTTP/2 data as it arrives: a flag byte (0: not
 * compressed, the only kind asked for), a 4-byte big-endian length, then that many bytes of protobuf. The length is
 * checked against a cap before anything is held for it; bytes past the message, a compressed message, or an answer
 * that ends before its length is reached are refused.
 */
final class GrpcMessage {
    private final int cap;
    private final byte[] prefix = new byte[5];
    private byte[] message;
    private int filled;

    GrpcMessage(int cap) {
        this.cap = cap;
    }

    void take(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            if (filled < prefix.length) {
                int n = Math.min(prefix.length - filled, bytes.remaining());
                bytes.get(prefix, filled, n);
                filled += n;
                if (filled == prefix.length) {
                    start();
                }
            } else {
                int at = filled - prefix.length;
                if (at == message.length) {
                    throw RangeProtobuf.garbled("more than one message in the answer of a unary call");
                }
                int n = Math.min(message.length - at, bytes.remaining());
                bytes.get(message, at, n);
                filled += n;
            }
        }
    }

    private void start() {
        if (prefix[0] != 0) {
            throw RangeProtobuf.garbled("a message flagged " + prefix[0] + " (compressed), which was not asked for");
        }
        int length = ByteBuffer.wrap(prefix, 1, 4).getInt();
        if (length < 0 || length > cap) {
            throw RangeProtobuf.garbled("a message of " + Integer.toUnsignedString(length) + " bytes (at most " + cap + " taken)");
        }
        message = new byte[length];
    }

    /** The message, once the answer has ended: refused if it is not all there. */
    byte[] whole() {
        if (message == null || filled != prefix.length + message.length) {
            throw RangeProtobuf.garbled("the answer is cut short (" + Math.max(0, filled - prefix.length) + " of "
                    + (message == null ? "?" : message.length) + " bytes)");
        }
        return message;
    }
}
