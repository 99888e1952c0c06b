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
        if (rule.icmp() != null) {
            out.append(" type ").append(rule.icmp().type());
            if (rule.icmp().code() != null) {
                out.append(" code ").append(rule.icmp().code());
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
        if (!match.nets().isEmpty()) {
            out.append(" net ").append(String.join(",", match.nets().stream().map(Object::toString).toList()));
        }
        if (match.ports() != null) {
            out.append(" ports ").append(match.ports());
        }
    }
}
