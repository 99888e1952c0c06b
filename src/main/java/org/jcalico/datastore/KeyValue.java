package org.jcalico.datastore;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A stored value with the revision that created the key and the revision of its last change.
 *
 * <p>The value is text; a store that reads it as UTF-8 bytes (etcd's listing over gRPC) may keep it so, as a part of
 * the array it read, and a reader of bytes ({@link #readValue}) then decodes it without making it a {@code String}
 * first: the agent's listing decodes a hundred thousand endpoints at its start, and a string of each value was an
 * eighth of what that start allocated (docs/datastore.md, "The listing over gRPC"). {@link #value} makes the string
 * when asked, exactly as the store would have made it.
 */
public final class KeyValue {
    private final String key;
    private final long createRevision;
    private final long modRevision;
    /** The value's UTF-8 bytes: [offset, offset + length) of utf8, or null when the value was given as text. */
    private final byte[] utf8;
    private final int offset;
    private final int length;
    /** The value as text: given, or decoded once from the bytes (a racy single check: a String is immutable). */
    private String value;

    public KeyValue(String key, String value, long createRevision, long modRevision) {
        this(key, value, null, 0, 0, createRevision, modRevision);
    }

    private KeyValue(String key, String value, byte[] utf8, int offset, int length, long createRevision, long modRevision) {
        this.key = key;
        this.value = value;
        this.utf8 = utf8;
        this.offset = offset;
        this.length = length;
        this.createRevision = createRevision;
        this.modRevision = modRevision;
    }

    /** A value read as bytes: LENGTH bytes of UTF8 from OFFSET, which the caller never changes afterwards. */
    public static KeyValue ofUtf8(String key, byte[] utf8, int offset, int length, long createRevision, long modRevision) {
        Objects.checkFromIndexSize(offset, length, utf8.length);
        return new KeyValue(key, null, utf8, offset, length, createRevision, modRevision);
    }

    /** Reads a value from its UTF-8 bytes, which it must not change (they may be a part of a store's page). */
    @FunctionalInterface
    public interface Utf8Reader<T> {
        T read(byte[] utf8, int offset, int length);
    }

    /** The value read from its UTF-8 bytes: those it was read as, or the text's encoded. */
    public <T> T readValue(Utf8Reader<T> reader) {
        if (utf8 != null) {
            return reader.read(utf8, offset, length);
        }
        byte[] encoded = value.getBytes(StandardCharsets.UTF_8);
        return reader.read(encoded, 0, encoded.length);
    }

    public String key() {
        return key;
    }

    /** The value as text; bytes that are not UTF-8 read as U+FFFD, as {@code new String(bytes, UTF_8)} reads them. */
    public String value() {
        String text = value;
        if (text == null && utf8 != null) {
            text = new String(utf8, offset, length, StandardCharsets.UTF_8);
            value = text;
        }
        return text;
    }

    public long createRevision() {
        return createRevision;
    }

    public long modRevision() {
        return modRevision;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyValue that && key.equals(that.key) && Objects.equals(value(), that.value())
                && createRevision == that.createRevision && modRevision == that.modRevision;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, value(), createRevision, modRevision);
    }

    @Override
    public String toString() {
        return "KeyValue[key=" + key + ", value=" + value() + ", createRevision=" + createRevision + ", modRevision="
                + modRevision + "]";
    }
}
