package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.KeyValue;
import org.junit.jupiter.api.Test;

/**
 * etcd's Range in protobuf: the request in the bytes etcd's rpc.proto defines, the answer read back with the fields a
 * listing does not use skipped, and every answer that is not one well-formed message or cannot be the answer to the
 * request refused whole (a garbled or hostile answer never becomes part of a listing).
 */
class RangeProtobufTest {
    private static final RangeProtobuf.Request PART = new RangeProtobuf.Request("/p/b", "/p/c", 2000, 40, false);

    @Test
    void aRequestIsEtcdsRangeRequestField() {
        byte[] expected = {0x0a, 4, '/', 'p', '/', 'b', 0x12, 4, '/', 'p', '/', 'c', 0x18, (byte) 0xd0, 0x0f, 0x20, 40};
        assertArrayEquals(expected, PART.encode());
        assertArrayEquals(new byte[] {0x0a, 1, 'k', 0x40, 1}, new RangeProtobuf.Request("k", "", 0, 0, true).encode());
    }

    @Test
    void anAnswerIsReadWithTheFieldsItDoesNotUseSkipped() {
        RangeProtobuf.Page page = RangeProtobuf.decode(answer(45, keyValue("/p/b", "one", 3, 7), keyValue("/p/b1", "two", 9, 40)), PART);
        assertEquals(List.of(new KeyValue("/p/b", "one", 3, 7), new KeyValue("/p/b1", "two", 9, 40)), page.items());
        assertEquals(45, page.revision());
        assertTrue(page.more());
    }

    @Test
    void anAnswerThatCannotBeTheAnswerIsRefused() {
        assertRefused(answer(45, keyValue("/p/a", "before the range", 3, 7)), "outside");
        assertRefused(answer(45, keyValue("/p/c", "after the range", 3, 7)), "outside");
        assertRefused(answer(45, keyValue("/p/b1", "x", 3, 7), keyValue("/p/b", "y", 3, 7)), "out of order");
        assertRefused(answer(45, keyValue("/p/b", "newer than the revision read", 3, 41)), "modified at 41");
        assertRefused(answer(45, keyValue("/p/b", "created after its change", 9, 7)), "created 9");
        assertRefused(answer(39, keyValue("/p/b", "a store behind the revision read", 3, 7)), "store revision 39");
        assertRefused(answer(0, keyValue("/p/b", "no header", 3, 7)), "store revision 0");
        assertRefused(answer(45, keyValue("", "no key", 3, 7)), "without a key");
    }

    @Test
    void aGarbledAnswerIsRefused() {
        byte[] good = answer(45, keyValue("/p/b", "one", 3, 7), keyValue("/p/b1", "two", 9, 40));
        // cut inside the second key-value (count and more are the last 5 bytes): its length says more than is left
        assertRefused(Arrays.copyOf(good, good.length - 8), "bytes where");
        assertRefused(new byte[] {(byte) 0x80}, "cut short");
        assertRefused(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, 1}, "more than 10 bytes");
        assertRefused(new byte[] {0x0b}, "wire type 3");
        assertRefused(new byte[] {0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}, "bytes where");
    }

    private static void assertRefused(byte[] answer, String because) {
        String message = assertThrows(DatastoreException.class, () -> RangeProtobuf.decode(answer, PART)).getMessage();
        assertTrue(message.startsWith("etcd's range answer over gRPC is not one: ") && message.contains(because), message);
    }

    /** A RangeResponse: a header (cluster id, member id and raft term beside the revision), the kvs, more, count. */
    private static byte[] answer(long revision, byte[]... keyValues) {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        tag(header, 1, 0);
        varint(header, 0x1234_5678_9abcL);
        tag(header, 2, 0);
        varint(header, 99);
        if (revision != 0) {
            tag(header, 3, 0);
            varint(header, revision);
        }
        tag(header, 4, 0);
        varint(header, 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        bytes(out, 1, header.toByteArray());
        for (byte[] keyValue : keyValues) {
            bytes(out, 2, keyValue);
        }
        tag(out, 3, 0);
        varint(out, 1);
        tag(out, 4, 0);
        varint(out, 5000);
        return out.toByteArray();
    }

    /** A mvccpb.KeyValue with version and lease, which a listing skips. */
    private static byte[] keyValue(String key, String value, long created, long modified) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        bytes(out, 1, key.getBytes(StandardCharsets.UTF_8));
        tag(out, 2, 0);
        varint(out, created);
        tag(out, 3, 0);
        varint(out, modified);
        tag(out, 4, 0);
        varint(out, 2);
        bytes(out, 5, value.getBytes(StandardCharsets.UTF_8));
        tag(out, 6, 0);
        varint(out, 0x7fff_0000_1111L);
        return out.toByteArray();
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] value) {
        tag(out, field, 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void tag(ByteArrayOutputStream out, int field, int type) {
        varint(out, (long) field << 3 | type);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) (value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }
}
