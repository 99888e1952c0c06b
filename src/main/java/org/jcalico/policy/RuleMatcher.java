package org.jcalico.policy;

import java.util.List;
import java.util.Map;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.IcmpMatch;
import org.jcalico.model.IpAddress;
import org.jcalico.model.PortRange;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;

/** Whether a rule matches a packet: every field present matches (docs/policy.md, "Rules"). */
final class RuleMatcher {
    private final PolicyCluster cluster;

    RuleMatcher(PolicyCluster cluster) {
        this.cluster = cluster;
    }

    /** @param policyNamespace the namespace of the NetworkPolicy the rule is in; null in a global policy or profile */
    boolean matches(Rule rule, String policyNamespace, Packet packet) {
        return rule.versions().contains(packet.family())
                && protocolMatches(rule, packet)
                && icmpMatches(rule, packet)
                && sideMatches(rule.source(), rule.protocol(), policyNamespace, packet.source(), packet.sourcePort())
                && sideMatches(rule.destination(), rule.protocol(), policyNamespace, packet.destination(), packet.destinationPort());
    }

    private static boolean protocolMatches(Rule rule, Packet packet) {
        if (rule.protocol() != null && !rule.protocol().isAny() && !rule.protocol().equals(packet.protocol())) {
            return false;
        }
        return rule.notProtocol() == null || !rule.notProtocol().equals(packet.protocol());
    }

    private static boolean icmpMatches(Rule rule, Packet packet) {
        if (rule.icmp() != null && !icmp(rule.icmp(), packet)) {
            return false;
        }
        return rule.notICMP() == null || !icmp(rule.notICMP(), packet);
    }

    private static boolean icmp(IcmpMatch match, Packet packet) {
        return packet.protocol().isIcmp() && match.type().equals(packet.icmpType())
                && (match.code() == null || match.code().equals(packet.icmpCode()));
    }

    private boolean sideMatches(EntityMatch side, Protocol protocol, String policyNamespace, IpAddress address, Integer port) {
        if (!side.nets().isEmpty() && side.nets().stream().noneMatch(net -> net.contains(address))) {
            return false;
        }
        if (side.notNets().stream().anyMatch(net -> net.contains(address))) {
            return false;
        }
        if (side.tag() != null && cluster.endpointsAt(address).stream().noneMatch(endpoint -> carriesTag(endpoint, side.tag()))) {
            return false;
        }
        Selector positive = RuleSelectors.positive(side, policyNamespace);
        List<Map<String, String>> labels = positive != null || side.notSelector() != null ? cluster.labelsAt(address) : List.of();
        if (positive != null && labels.stream().noneMatch(positive::matches)) {
            return false;
        }
        Selector negative = RuleSelectors.negative(side);
        if (negative != null && labels.stream().anyMatch(negative::matches)) {
            return false;
        }
        if (side.ports() != null && !portMatches(side.ports(), positive, protocol, address, port)) {
            return false;
        }
        return side.notPorts() == null || port != null && !inRanges(side.notPorts(), port);
    }

    /**
     * A number or range containing the port, or a name that an endpoint at the address, matched by the side's
     * selector (every endpoint without one), declares for the rule's protocol with this number.
     */
    private boolean portMatches(Ports ports, Selector positive, Protocol protocol, IpAddress address, Integer port) {
        if (port == null) {
            return false;
        }
        if (inRanges(ports, port)) {
            return true;
        }
        for (WorkloadEndpoint endpoint : cluster.endpointsAt(address)) {
            if (positive != null && !positive.matches(cluster.labels(endpoint))) {
                continue;
            }
            for (EndpointPort declared : endpoint.ports()) {
                if (ports.names().contains(declared.name()) && declared.protocol().equals(protocol) && declared.port() == port) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean inRanges(Ports ports, int port) {
        for (PortRange range : ports.ranges()) {
            if (range.first() <= port && port <= range.last()) {
                return true;
            }
        }
        return false;
    }

    private boolean carriesTag(WorkloadEndpoint endpoint, String tag) {
        for (String id : endpoint.profileIds()) {
            Profile profile = cluster.profiles().get(id);
            if (profile != null && profile.tags().contains(tag)) {
                return true;
            }
        }
        return false;
    }
}
