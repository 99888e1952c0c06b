package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.jcalico.datastore.DatastoreException;
import org.junit.jupiter.api.Test;

/** A unary gRPC answer's one message, however HTTP/2 cuts it into frames; anything else is refused, never half taken. */
class GrpcMessageTest {
    @Test
    void theMessageIsGatheredAcrossFramesCutAnywhere() {
        byte[] framed = {0, 0, 0, 0, 3, 7, 8, 9};
        for (int cut = 0; cut <= framed.length; cut++) {
            GrpcMessage message = new GrpcMessage(16);
            message.take(ByteBuffer.wrap(framed, 0, cut));
            message.take(ByteBuffer.wrap(framed, cut, framed.length - cut));
            assertArrayEquals(new byte[] {7, 8, 9}, message.whole());
        }
    }

    @Test
    void anythingElseIsRefused() {
        assertRefused(new byte[] {0, 0, 0, 0, 3, 7, 8}, "cut short (2 of 3 bytes)");
        assertRefused(new byte[] {0, 0, 0}, "cut short (0 of ? bytes)");
        assertRefused(new byte[0], "cut short");
        assertRefused(new byte[] {0, 0, 0, 0, 1, 7, 0, 0, 0, 0, 1, 8}, "more than one message");
        assertRefused(new byte[] {1, 0, 0, 0, 1, 7}, "compressed");
        assertRefused(new byte[] {0, 0, 0, 0, 17}, "a message of 17 bytes (at most 16 taken)");
        assertRefused(new byte[] {0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0}, "a message of 4294967280 bytes");
    }

    private static void assertRefused(byte[] answer, String because) {
        GrpcMessage message = new GrpcMessage(16);
        String refusal = assertThrows(DatastoreException.class, () -> {
            message.take(ByteBuffer.wrap(answer));
            message.whole();
        }).getMessage();
        assertTrue(refusal.contains(because), refusal);
    }
}
