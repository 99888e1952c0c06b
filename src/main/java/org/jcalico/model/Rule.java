package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;
import java.util.TreeSet;

/**
 * One rule of a policy or profile, in Calico's v3 form: it matches a packet when every field present matches (null
 * fields match anything), and then its action applies. ipVersion restricts the rule to IPv4 or IPv6; when absent, the
 * rule applies to the versions its nets and protocol allow. jcalico's earlier {@code icmpType} / {@code icmpCode} read
 * as {@code icmp: {type, code}}. metadata holds Calico's per-rule annotations, kept and printed, never interpreted.
 */
public record Rule(Action action, Protocol protocol, Protocol notProtocol,
                   @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = EntityMatch.OmitAny.class) EntityMatch source,
                   @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = EntityMatch.OmitAny.class) EntityMatch destination,
                   IcmpMatch icmp, @JsonProperty("notICMP") IcmpMatch notICMP, Integer ipVersion,
                   @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = NoAnnotations.class) RuleMetadata metadata) {
    public Rule(Action action, Protocol protocol, Protocol notProtocol, EntityMatch source, EntityMatch destination,
                IcmpMatch icmp, IcmpMatch notICMP, Integer ipVersion) {
        this(action, protocol, notProtocol, source, destination, icmp, notICMP, ipVersion, null);
    }

    public Rule {
        metadata = metadata == null || metadata.annotations().isEmpty() ? null : metadata;
        if (action == null) {
            throw new ValidationException("action: missing (Allow, Deny, Pass or Log)");
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
        if ((source.hasPorts() || destination.hasPorts()) && (protocol == null || !protocol.hasPorts())) {
            throw ValidationException.field("protocol", protocol, "does not have ports; ports need tcp, udp or sctp");
        }
        if ((icmp != null || notICMP != null) && (protocol == null || !protocol.isIcmp())) {
            throw ValidationException.field("protocol", protocol, "is not icmp or icmpv6, which icmp and notICMP need");
        }
        if (versions(protocol, source, destination, ipVersion).isEmpty()) {
            throw new ValidationException("rule can match neither IPv4 nor IPv6 (protocol " + protocol + ", source nets "
                    + source.nets() + ", destination nets " + destination.nets() + ", ipVersion " + ipVersion + ")");
        }
    }

    @JsonCreator
    static Rule fromJson(@JsonProperty("action") Action action, @JsonProperty("protocol") Protocol protocol,
                         @JsonProperty("notProtocol") Protocol notProtocol, @JsonProperty("source") EntityMatch source,
                         @JsonProperty("destination") EntityMatch destination, @JsonProperty("icmp") IcmpMatch icmp,
                         @JsonProperty("notICMP") IcmpMatch notICMP, @JsonProperty("ipVersion") Integer ipVersion,
                         @JsonProperty("icmpType") Integer icmpType, @JsonProperty("icmpCode") Integer icmpCode,
                         @JsonProperty("metadata") RuleMetadata metadata) {
        if (icmp != null && (icmpType != null || icmpCode != null)) {
            throw new ValidationException("icmpType: give icmp or icmpType/icmpCode, not both");
        }
        return new Rule(action, protocol, notProtocol, source, destination,
                icmp != null ? icmp : IcmpMatch.of(icmpType, icmpCode), notICMP, ipVersion, metadata);
    }

    /** Leaves metadata without annotations out of the JSON/YAML form. */
    public static final class NoAnnotations {
        @Override
        public boolean equals(Object other) {
            return other == null || other instanceof RuleMetadata m && m.annotations().isEmpty();
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    public static Rule allow() {
        return new Rule(Action.ALLOW, null, null, null, null, null, null, null);
    }

    public Rule withSource(EntityMatch newSource) {
        return new Rule(action, protocol, notProtocol, newSource, destination, icmp, notICMP, ipVersion, metadata);
    }

    /** The IP versions (4, 6) this rule applies to. */
    @JsonIgnore
    public Set<Integer> versions() {
        return versions(protocol, source, destination, ipVersion);
    }

    private static Set<Integer> versions(Protocol protocol, EntityMatch source, EntityMatch destination, Integer ipVersion) {
        TreeSet<Integer> versions = new TreeSet<>(Set.of(4, 6));
        if (ipVersion != null) {
            versions.retainAll(Set.of(ipVersion));
        }
        if (protocol != null && protocol.onlyVersion() != 0) {
            versions.retainAll(Set.of(protocol.onlyVersion()));
        }
        versions.retainAll(source.versions());
        versions.retainAll(destination.versions());
        return versions;
    }
}
