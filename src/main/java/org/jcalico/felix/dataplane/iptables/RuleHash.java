package org.jcalico.felix.dataplane.iptables;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every rule jcalico writes carries a comment "jc:HASH" of its chain, position and text. iptables-save prints
 * rules normalised (different from how they were written), so drift is found by comparing these hashes, not text.
 */
final class RuleHash {
    private static final Pattern COMMENT = Pattern.compile("--comment \"?jc:([0-9a-f]{16})\"?");

    private RuleHash() {
    }

    static String of(String chain, int position, String rule) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] hash = digest.digest((chain + "\n" + position + "\n" + rule).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rule as written: the hash comment first, then the rule. */
    static String tagged(String hash, String rule) {
        return "-m comment --comment \"jc:" + hash + "\" " + rule;
    }

    /** The hash in a saved rule, or null if it carries none. */
    static String find(String savedRule) {
        Matcher matcher = COMMENT.matcher(savedRule);
        return matcher.find() ? matcher.group(1) : null;
    }
}
