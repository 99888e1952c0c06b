package org.jcalico.datastore.etcd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.KeyValue;

/**
 * etcd's Range call in protobuf, written and read by hand: only the fields a listing uses, numbered as in etcd's
 * api/etcdserverpb/rpc.proto (RangeRequest: key 1, range_end 2, limit 3, revision 4, keys_only 8; RangeResponse:
 * header 1, kvs 2, more 3; ResponseHeader: revision 3) and api/mvccpb/kv.proto (KeyValue: key 1, create_revision 2,
 * mod_revision 3, value 5). Fields it does not know are skipped by their wire type, as protobuf wants. An answer that is
 * not one well-formed message, or that could not be the answer to the request (a key outside the range or out of
 * order, a key changed after the revision read), is refused whole: a listing is never built from part of one.
 */
final class RangeProtobuf {
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int BYTES = 2;
    private static final int FIXED32 = 5;

    private RangeProtobuf() {
    }

    /**
     * One Range request: keys from KEY up to END (exclusive; empty: only KEY), at most LIMIT (0: all), at REVISION (0:
     * newest), with their values or, KEYS_ONLY, without (a listing's splits, read from the nodes' keys).
     */
    record Request(String key, String end, long limit, long revision, boolean keysOnly) {
        byte[] encode() {
            ByteArrayOutputStream out = new ByteArrayOutputStream(64);
            bytes(out, 1, key.getBytes(StandardCharsets.UTF_8));
            if (!end.isEmpty()) {
                bytes(out, 2, end.getBytes(StandardCharsets.UTF_8));
            }
            if (limit != 0) {
                varint(out, 3, limit);
            }
            if (revision != 0) {
                varint(out, 4, revision);
            }
            if (keysOnly) {
                varint(out, 8, 1);
            }
            return out.toByteArray();
        }

        Request from(String first) {
            return new Request(first, end, limit, revision, keysOnly);
        }

        Request at(long read) {
            return new Request(key, end, limit, read, keysOnly);
        }
    }

    /** What a Range answer says: its key-values in key order, the store's revision, whether keys are left. */
    record Page(List<KeyValue> items, long revision, boolean more) {
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] value) {
        raw(out, (long) field << 3 | BYTES);
        raw(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, int field, long value) {
        raw(out, (long) field << 3 | VARINT);
        raw(out, value);
    }

    private static void raw(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) (value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }

    /**
     * The answer to REQUEST, read from its message; refused when malformed, or when it cannot be the answer: a key
     * outside the range or not after the one before it, a key modified after the revision asked for, or a store revision
     * older than it.
     */
    static Page decode(byte[] message, Request request) {
        Reader reader = new Reader(message, 0, message.length);
        List<KeyValue> items = new ArrayList<>();
        long revision = 0;
        boolean more = false;
        while (reader.hasMore()) {
            long tag = reader.varint();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            if (field == 1 && type == BYTES) {
                revision = header(reader.nested());
            } else if (field == 2 && type == BYTES) {
                items.add(keyValue(reader.nested()));
            } else if (field == 3 && type == VARINT) {
                more = reader.varint() != 0;
            } else {
                reader.skip(type);
            }
        }
        check(items, revision, request);
        return new Page(List.copyOf(items), revision, more);
    }

    private static void check(List<KeyValue> items, long revision, Request request) {
        if (revision <= 0 || request.revision() > revision) {
            throw garbled("store revision " + revision + " for a read at revision " + request.revision());
        }
        String previous = null;
        for (KeyValue item : items) {
            String key = item.key();
            boolean inRange = request.end().isEmpty() ? key.equals(request.key())
                    : key.compareTo(request.key()) >= 0 && (request.end().equals("\0") || key.compareTo(request.end()) < 0);
            if (!inRange || previous != null && key.compareTo(previous) <= 0) {
                throw garbled("key " + key + " outside [" + request.key() + ", " + request.end() + ") or out of order");
            }
            long asOf = request.revision() != 0 ? request.revision() : revision;
            if (item.modRevision() <= 0 || item.modRevision() > asOf || item.createRevision() > item.modRevision()) {
                throw garbled("key " + key + " modified at " + item.modRevision() + " (created " + item.createRevision()
                        + ") in a read at revision " + asOf);
            }
            previous = key;
        }
    }

    private static long header(Reader reader) {
        long revision = 0;
        while (reader.hasMore()) {
            long tag = reader.varint();
            if (tag == (3 << 3 | VARINT)) {
                revision = reader.varint();
            } else {
                reader.skip((int) (tag & 7));
            }
        }
        return revision;
    }

    /**
     * A key-value whose value stays the bytes of the message it was read from: the agent's listing decodes them into
     * its records without a string of each value in between (docs/datastore.md, "The listing over gRPC").
     */
    private static KeyValue keyValue(Reader reader) {
        String key = null;
        int value = reader.position;
        int valueLength = 0;
        long created = 0;
        long modified = 0;
        while (reader.hasMore()) {
            long tag = reader.varint();
            int field = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            switch (field << 3 | type) {
                case 1 << 3 | BYTES -> key = reader.string();
                case 2 << 3 | VARINT -> created = reader.varint();
                case 3 << 3 | VARINT -> modified = reader.varint();
                case 5 << 3 | BYTES -> {
                    valueLength = reader.length();
                    value = reader.position;
                    reader.position += valueLength;
                }
                default -> reader.skip(type);
            }
        }
        if (key == null || key.isEmpty()) {
            throw garbled("a key-value without a key");
        }
        return KeyValue.ofUtf8(key, reader.data, value, valueLength, created, modified);
    }

    static DatastoreException garbled(String what) {
        return new DatastoreException("etcd's range answer over gRPC is not one: " + what);
    }

    /** Reads protobuf's wire format from a part of an array, never past its end. */
    private static final class Reader {
        private final byte[] data;
        private int position;
        private final int end;

        Reader(byte[] data, int position, int end) {
            this.data = data;
            this.position = position;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw garbled("a number cut short");
                }
                byte b = data[position++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw garbled("a number of more than 10 bytes");
        }

        int length() {
            long length = varint();
            if (length < 0 || length > end - position) {
                throw garbled("a field of " + length + " bytes where " + (end - position) + " are left");
            }
            return (int) length;
        }

        Reader nested() {
            int length = length();
            Reader nested = new Reader(data, position, position + length);
            position += length;
            return nested;
        }

        String string() {
            int length = length();
            String text = new String(data, position, length, StandardCharsets.UTF_8);
            position += length;
            return text;
        }

        void skip(int type) {
            int length = switch (type) {
                case VARINT -> {
                    varint();
                    yield 0;
                }
                case FIXED64 -> 8;
                case BYTES -> length();
                case FIXED32 -> 4;
                default -> throw garbled("wire type " + type);
            };
            if (length > end - position) {
                throw garbled("a field cut short");
            }
            position += length;
        }
    }
}
