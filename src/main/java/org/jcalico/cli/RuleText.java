package org.jcalico.cli;

import org.jcalico.model.EntityMatch;
import org.jcalico.model.Rule;

/** A rule in words, the way `profile show` lists it: "allow tcp from tag web to ports 80". */
final class RuleText {
    private RuleText() {
    }

    static String describe(Rule rule) {
        StringBuilder out = new StringBuilder(rule.action().toString());
        if (rule.ipVersion() != null) {
            out.append(" ipv").append(rule.ipVersion());
        }
        if (rule.protocol() != null) {
            out.append(' ').append(rule.protocol());
        }
        if (rule.notProtocol() != null) {
            out.append(" not ").append(rule.notProtocol());
        }
        if (rule.icmpType() != null) {
            out.append(" type ").append(rule.icmpType());
            if (rule.icmpCode() != null) {
                out.append(" code ").append(rule.icmpCode());
            }
        }
        side(out, "from", rule.source());
        side(out, "to", rule.destination());
        if (rule.source().isAny() && rule.destination().isAny() && rule.protocol() == null && rule.notProtocol() == null) {
            out.append(" all");
        }
        return out.toString();
    }

    private static void side(StringBuilder out, String word, EntityMatch match) {
        if (match.isAny()) {
            return;
        }
        out.append(' ').append(word);
        if (match.tag() != null) {
            out.append(" tag ").append(match.tag());
        }
        if (match.net() != null) {
            out.append(" net ").append(match.net());
        }
        if (match.ports() != null) {
            out.append(" ports ").append(match.ports());
        }
    }
}
