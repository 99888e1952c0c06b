package org.jcalico.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a text, in hex, as calc's names and log prefixes use it. Each digest is cloned from one made once:
 * looking the algorithm up among the providers (MessageDigest.getInstance) cost as much as the digest itself, and a
 * first calculation hashes thousands of names. Thread-safe (the prototype is only cloned, never used).
 */
public final class Sha256 {
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private Sha256() {
    }

    /** The first BYTES bytes of TEXT's digest (of its UTF-8), as 2 * BYTES hex digits. */
    public static String hex(String text, int bytes) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
        return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)), 0, bytes);
    }
}
