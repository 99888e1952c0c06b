package org.jcalico.felix.dataplane.iptables;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
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
     * A rule of an owned chain as written: without a tag when its text is {@link #plain} (then iptables-save prints it
     * as written, and {@link #identify} finds the same hash in it), otherwise {@link #tagged}. Such rules are most of
     * what a packet of an established flow matches (jc-FORWARD's {@code -i jc+ -j ...}, an endpoint chain's one jump,
     * the shared chain's RELATED,ESTABLISHED rule), and on iptables-nft every tag a packet reaches is an xt match of its
     * own: about a tenth of the established path's rule walk (docs/dataplane.md, "Session 61 (p-net)").
     */
    public static String written(String hash, String rule) {
        return plain(rule) ? rule : tagged(hash, rule);
    }

    /**
     * Whether iptables-save prints RULE exactly as written, so that its text alone tells it: an optional interface
     * test and a jump or goto, or the connection-state test of established packets and its verdict. Only shapes that
     * the saved form keeps (IptablesRestoreKernelTest writes each in both families and reads it back as written);
     * iptables-save reorders others ({@code -s ADDR/32 -i IF}, {@code INVALID,NEW}). A shape it printed otherwise would
     * cost its chain a rewrite at every read-back, never a rule left out.
     */
    static boolean plain(String rule) {
        // the shapes, as a pattern: (-[io] [A-Za-z0-9_.+-]+ )?-[jg] [A-Za-z0-9_.-]+ or one of ESTABLISHED. Read by hand:
        // a cold plan asks this of every rule (27,000 at 1,000 endpoints), and the pattern's matcher, run cold, was a
        // sixth of that plan's CPU (docs/dataplane.md, "Session 63 (p-cold)")
        if (ESTABLISHED.contains(rule)) {
            return true;
        }
        int verdict = 0;
        if (rule.startsWith("-i ") || rule.startsWith("-o ")) {
            int space = rule.indexOf(' ', 3);
            if (space < 0 || !name(rule, 3, space, true)) {
                return false;
            }
            verdict = space + 1;
        }
        return (rule.startsWith("-j ", verdict) || rule.startsWith("-g ", verdict)) && name(rule, verdict + 3, rule.length(), false);
    }

    private static final Set<String> ESTABLISHED = Set.of(
            "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN");

    /** Whether TEXT from FROM to TO is a name of at least one letter, digit or {@code _.-} ({@code +} too if PLUS). */
    private static boolean name(String text, int from, int to, boolean plus) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                    || c == '-' || plus && c == '+')) {
                return false;
            }
        }
        return true;
    }

    /**
     * What tells a rule of CHAIN as iptables-save prints it (SAVED): its tag, or for an untagged one the hash of its
     * text, which is jcalico's own hash when the rule was written {@link #plain} ({@link #written}); another writer's
     * untagged rule matches no rule of calc's unless it is the very text of one of calc's plain rules in that chain.
     */
    public static String identify(String chain, String saved) {
        String tag = find(saved);
        return tag != null ? tag : of(chain, saved);
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
