package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.model.Action;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Direction;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;

/** Profile rules in iptables-restore syntax, for one IP version. */
public final class RuleRenderer {
    /** The packet-mark bit that says "a profile allowed this packet". */
    public static final String ACCEPT_BIT = "0x1000000";
    public static final String ACCEPT_MARK = ACCEPT_BIT + "/" + ACCEPT_BIT;

    private RuleRenderer() {
    }

    /** The body of a profile chain: deny drops, allow marks and returns; rules for the other IP version are left out. */
    public static List<String> profileChain(Profile profile, Direction direction, int version) {
        List<String> lines = new ArrayList<>();
        for (Rule rule : profile.rules(direction)) {
            if (!rule.versions().contains(version)) {
                continue;
            }
            String match = match(rule, version);
            String prefix = match.isEmpty() ? "" : match + " ";
            if (rule.action() == Action.DENY) {
                lines.add(prefix + "-j DROP");
            } else {
                lines.add(prefix + "-j MARK --set-xmark " + ACCEPT_MARK);
                lines.add("-m mark --mark " + ACCEPT_MARK + " -j RETURN");
            }
        }
        return lines;
    }

    /** The match part of one rule, e.g. "-p tcp -m set --match-set jc-4t-web src -m multiport --destination-ports 80". */
    static String match(Rule rule, int version) {
        List<String> parts = new ArrayList<>();
        if (rule.protocol() != null) {
            parts.add("-p " + protocol(rule.protocol()));
        }
        if (rule.notProtocol() != null) {
            parts.add("! -p " + protocol(rule.notProtocol()));
        }
        side(parts, rule.source(), "src", "-s", "--source-ports", version);
        side(parts, rule.destination(), "dst", "-d", "--destination-ports", version);
        if (rule.icmp() != null) {
            String type = rule.icmp().toString();
            parts.add(version == 4 ? "-m icmp --icmp-type " + type : "-m icmp6 --icmpv6-type " + type);
        }
        return String.join(" ", parts);
    }

    private static void side(List<String> parts, EntityMatch match, String direction, String netFlag, String portsFlag,
                             int version) {
        if (!match.nets().isEmpty()) {
            parts.add(netFlag + " " + String.join(",", match.nets(version).stream().map(Object::toString).toList()));
        }
        if (match.tag() != null) {
            parts.add("-m set --match-set " + DataplaneNames.tagSet(match.tag(), version) + " " + direction);
        }
        Ports ports = match.ports();
        if (ports != null) {
            parts.add("-m multiport " + portsFlag + " " + ports);
        }
    }

    /** iptables' name for ICMPv6; a rule's versions already exclude icmp from IPv6 and icmpv6 from IPv4. */
    private static String protocol(Protocol protocol) {
        return protocol.name().equals("icmpv6") ? "ipv6-icmp" : protocol.name();
    }
}
