package org.jcalico.model;

/** BGP autonomous system numbers (4-byte, RFC 6793). */
public final class AsNumbers {
    public static final long MAX = 4294967295L;

    private AsNumbers() {
    }

    public static long check(String field, long value) {
        if (value < 1 || value > MAX) {
            throw ValidationException.field(field, value, "is not an AS number (1-" + MAX + ")");
        }
        return value;
    }
}
