package org.jcalico.ui;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret that makes the UI's pages root's alone: 127.0.0.1 is reachable by every local user, so the address is no
 * guard, and what the pages show (the whole cluster's addresses, labels and policies, denied flows) comes from files
 * only root may read. Made afresh at each start and held only in memory and in the URL `jcalico ui` prints to whoever
 * started it (docs/observability.md, "The UI").
 */
final class UiToken {
    /** 256 random bits: nothing a guesser could reach over a loopback socket. */
    private static final int BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final String value;

    private UiToken(String value) {
        this.value = value;
    }

    static UiToken generate() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return new UiToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** Whether {@code given} (null when none was sent) is this token, compared in time independent of where they differ. */
    boolean admits(String given) {
        return given != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    /** The query parameter a request carries it in, for the URL printed. */
    String query() {
        return "token=" + value;
    }
}
