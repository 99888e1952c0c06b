package org.jcalico.model;

import java.util.List;

/**
 * The address ranges no endpoint can hold (docs/policy.md, "Session 50 (t-win)"): an endpoint's net
 * that overlaps one (the whole family as 0.0.0.0/0 or ::/0 does, a multicast group, the loopback, a link-local
 * address) is refused when the record is written, and a record written so by hand reads as unreadable, which policy
 * takes at its worst. Obeyed, such a net joined every set its endpoint's labels select: an Allow by selector then
 * let in, through one record of another node, everyone the net covers.
 */
final class EndpointAddressScope {
    private record Range(Cidr net, String what) {
    }

    private static final List<Range> NEVER_AN_ENDPOINTS = List.of(
            new Range(Cidr.parse("0.0.0.0/8"), "'this network' (0.0.0.0/8)"),
            new Range(Cidr.parse("127.0.0.0/8"), "the loopback (127.0.0.0/8)"),
            new Range(Cidr.parse("169.254.0.0/16"), "link-local (169.254.0.0/16)"),
            new Range(Cidr.parse("224.0.0.0/4"), "multicast (224.0.0.0/4)"),
            new Range(Cidr.parse("240.0.0.0/4"), "reserved and broadcast (240.0.0.0/4)"),
            new Range(Cidr.parse("::/128"), "the unspecified address (::)"),
            new Range(Cidr.parse("::1/128"), "the loopback (::1)"),
            new Range(Cidr.parse("fe80::/10"), "link-local (fe80::/10)"),
            new Range(Cidr.parse("ff00::/8"), "multicast (ff00::/8)"));

    private EndpointAddressScope() {
    }

    /** NET as given; a {@link ValidationException} naming FIELD when it overlaps a range no endpoint can hold. */
    static Cidr check(String field, Cidr net) {
        for (Range range : NEVER_AN_ENDPOINTS) {
            if (range.net().version() == net.version() && range.net().overlaps(net)) {
                throw ValidationException.field(field, net, "overlaps " + range.what()
                        + ": an endpoint's address is a unicast address of its own");
            }
        }
        return net;
    }
}
