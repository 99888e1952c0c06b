package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Set;

/**
 * One allow or deny rule of a profile. Null fields match anything. ipVersion restricts the rule to IPv4 or IPv6;
 * when absent, the rule applies to the versions its nets and protocol allow.
 */
public record Rule(Action action, Protocol protocol, Protocol notProtocol,
                   @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = EntityMatch.OmitAny.class) EntityMatch source,
                   @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = EntityMatch.OmitAny.class) EntityMatch destination,
                   Integer icmpType, Integer icmpCode, Integer ipVersion) {
    public Rule {
        if (action == null) {
            throw new ValidationException("action: missing (allow or deny)");
        }
        source = source == null ? EntityMatch.ANY : source;
        destination = destination == null ? EntityMatch.ANY : destination;
        if (ipVersion != null && ipVersion != 4 && ipVersion != 6) {
            throw ValidationException.field("ipVersion", ipVersion, "is not 4 or 6");
        }
        // iptables takes one -p per rule, and "! -p 0" (every protocol but any) never matches
        if (protocol != null && notProtocol != null) {
            throw ValidationException.field("notProtocol", notProtocol, "cannot be combined with protocol '" + protocol
                    + "' (a rule matches one protocol or excludes one)");
        }
        if (notProtocol != null && notProtocol.isAny()) {
            throw ValidationException.field("notProtocol", notProtocol, "would match no packet (protocol 0 means any)");
        }
        if ((source.ports() != null || destination.ports() != null) && (protocol == null || !protocol.hasPorts())) {
            throw ValidationException.field("protocol", protocol, "does not have ports; ports need tcp, udp or sctp");
        }
        if (icmpType != null && (icmpType < 0 || icmpType > 255)) {
            throw ValidationException.field("icmpType", icmpType, "is not in 0-255");
        }
        if (icmpCode != null && (icmpCode < 0 || icmpCode > 255)) {
            throw ValidationException.field("icmpCode", icmpCode, "is not in 0-255");
        }
        if (icmpCode != null && icmpType == null) {
            throw ValidationException.field("icmpCode", icmpCode, "needs an icmpType");
        }
        if (icmpType != null && (protocol == null || !protocol.isIcmp())) {
            throw ValidationException.field("protocol", protocol, "is not icmp or icmpv6, which icmpType needs");
        }
        if (versions(protocol, source, destination, ipVersion).isEmpty()) {
            throw new ValidationException("rule mixes IP versions (protocol " + protocol + ", source net "
                    + source.net() + ", destination net " + destination.net() + ", ipVersion " + ipVersion + ")");
        }
    }

    public static Rule allow() {
        return new Rule(Action.ALLOW, null, null, null, null, null, null, null);
    }

    public Rule withSource(EntityMatch newSource) {
        return new Rule(action, protocol, notProtocol, newSource, destination, icmpType, icmpCode, ipVersion);
    }

    /** The IP versions (4, 6) this rule applies to. */
    @JsonIgnore
    public Set<Integer> versions() {
        return versions(protocol, source, destination, ipVersion);
    }

    private static Set<Integer> versions(Protocol protocol, EntityMatch source, EntityMatch destination, Integer ipVersion) {
        java.util.TreeSet<Integer> versions = new java.util.TreeSet<>(Set.of(4, 6));
        if (ipVersion != null) {
            versions.retainAll(Set.of(ipVersion));
        }
        if (protocol != null && protocol.onlyVersion() != 0) {
            versions.retainAll(Set.of(protocol.onlyVersion()));
        }
        if (source.net() != null) {
            versions.retainAll(Set.of(source.net().version()));
        }
        if (destination.net() != null) {
            versions.retainAll(Set.of(destination.net().version()));
        }
        return versions;
    }
}
