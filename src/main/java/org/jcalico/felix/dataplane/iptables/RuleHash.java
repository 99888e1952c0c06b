package org.jcalico.felix.dataplane.iptables;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.hoststate.Chain;

/**
 * The tag jcalico writes into each of its rules: iptables-save prints rules normalised ("-s 10.0.0.5/32", "-m tcp"),
 * so what was written is recognised on read-back by a hash carried in a comment. A rule of an owned chain is tagged
 * by chain and text, not position, so that a rule inserted before it leaves its tag valid (a chain's order is checked
 * by comparing the tags in order); a hook is tagged by its position too, which is what makes it a hook.
 */
public final class RuleHash {
    static final int LENGTH = 16;
    private static final Pattern TAG = Pattern.compile("--comment \"?jc:([A-Za-z0-9_-]{" + LENGTH + "})(?=[\"\\s]|$)");

    /** Looking the algorithm up costs more than hashing one rule; a digest resets itself after each use. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    private RuleHash() {
    }

    /** The tag of a hook: a rule at a position of a built-in chain. */
    public static String of(String chain, int position, String rule) {
        return digest(chain + "\n" + position + "\n" + rule);
    }

    /** 96 bits of SHA-256, base64url: collisions are not a practical concern for a host's few thousand rules. */
    private static String digest(String text) {
        byte[] digest = SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, LENGTH);
    }

    /** The tag of a rule of an owned chain. */
    public static String of(String chain, String rule) {
        return digest(chain + "\n" + rule);
    }

    /** The tags of a chain's rules, in order. */
    public static List<String> of(Chain chain) {
        List<String> hashes = new ArrayList<>(chain.rules().size());
        for (String rule : chain.rules()) {
            hashes.add(of(chain.name(), rule));
        }
        return List.copyOf(hashes);
    }

    /**
     * The rule as written: the tag after its criteria, just before its verdict (the rule's last {@code -j} or
     * {@code -g}). iptables-nft evaluates a rule's matches in the order written and a comment is one of them (an xt
     * match through nft_compat, an indirect call that always matches), so only a packet that every criterion took
     * runs it: a packet of an established flow meets the hold rules' state test and goes on without it, a new one
     * meets a policy rule's sets likewise (docs/dataplane.md, "The per-packet path"). Where it stands changes no tag.
     */
    public static String tagged(String hash, String rule) {
        int verdict = Math.max(rule.lastIndexOf(" -j "), rule.lastIndexOf(" -g ")) + 1;
        return rule.substring(0, verdict) + "-m comment --comment \"jc:" + hash + "\" " + rule.substring(verdict);
    }

    /**
     * The tag found in a rule as iptables-save prints it, or null for a rule jcalico did not write: the last one, as
     * {@link #tagged} writes it after any comment of the rule's own (an earlier version wrote it first, the only one).
     */
    public static String find(String savedRule) {
        Matcher matcher = TAG.matcher(savedRule);
        String found = null;
        while (matcher.find()) {
            found = matcher.group(1);
        }
        return found;
    }
}
