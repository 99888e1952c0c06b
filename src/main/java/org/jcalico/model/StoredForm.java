package org.jcalico.model;

/**
 * A resource from its stored form, the compact JSON that {@link ResourceCodec#toJson} writes into the datastore:
 * {@link StoredRecords} reads it where it can, exactly as the mapper would, and {@link ResourceCodec}'s mapper reads
 * anything else, with the same resource or error. Not in ResourceCodec: its code names Jackson's mapper, nodes and
 * exceptions, and a JVM that links it loads them, then the start-up cache of a command that only reads (the lists)
 * holds Jackson's 275 classes, every one loaded again at each start (docs/agent.md, "Start-up of a command", session 63).
 */
public final class StoredForm {
    private StoredForm() {
    }

    public static Resource fromJson(String json) {
        Resource stored = StoredRecords.read(json);
        return stored != null ? stored : ResourceCodec.fromJsonByMapper(json);
    }

    /**
     * What {@link #fromJson(String)} answers for the text of LENGTH bytes of UTF-8 at OFFSET, read from the bytes
     * where they hold the stored form (an agent's listing over gRPC: no string of each value); the mapper reads any
     * other from their text, with the same resource or error.
     */
    public static Resource fromJson(byte[] utf8, int offset, int length) {
        Resource stored = StoredRecords.read(utf8, offset, length);
        return stored != null ? stored
                : ResourceCodec.fromJsonByMapper(new String(utf8, offset, length, java.nio.charset.StandardCharsets.UTF_8));
    }

    public static <T extends Resource> T fromJson(String json, Class<T> type) {
        return type.cast(fromJson(json));
    }
}
