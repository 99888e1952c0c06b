package org.jcalico.flows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.DropLog;
import org.jcalico.felix.program.Origin;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;

/**
 * Tells a logged packet as a denied flow: its prefix names the drop's origin (DropLog), which the node's desired
 * state maps to what dropped it; the endpoint is the one the origin names, else the local endpoint whose address is
 * the packet's destination (ingress) or source (egress), as a policy's chain, and the chain of the policies of
 * endpoints with the same ones (EndpointChains), is shared by its endpoints. Pure: made
 * from each new desired state, read by the log's reader thread.
 */
public final class DropAttribution {
    public static final DropAttribution EMPTY = new DropAttribution(Map.of(), Map.of());

    private record Drop(DroppedBy by, Direction direction, String endpoint) {
    }

    private final Map<String, Drop> byPrefix;
    private final Map<IpAddress, String> endpointsByAddress;

    private DropAttribution(Map<String, Drop> byPrefix, Map<IpAddress, String> endpointsByAddress) {
        this.byPrefix = byPrefix;
        this.endpointsByAddress = endpointsByAddress;
    }

    public static DropAttribution of(HostState state, List<WorkloadEndpoint> local) {
        Map<String, Drop> byPrefix = new HashMap<>();
        for (int version : List.of(4, 6)) {
            for (Chain chain : state.iptables(version).chains("filter").values()) {
                read(chain, byPrefix);
            }
        }
        Map<IpAddress, String> endpoints = new HashMap<>();
        for (WorkloadEndpoint endpoint : local) {
            for (Cidr net : endpoint.nets()) {
                endpoints.put(net.network(), endpoint.endpointId());
            }
        }
        return new DropAttribution(Map.copyOf(byPrefix), Map.copyOf(endpoints));
    }

    /** A chain's drops. */
    private static void read(Chain chain, Map<String, Drop> byPrefix) {
        for (Origin origin : chain.origins()) {
            if (!DropLog.logged(origin)) {
                continue;
            }
            Drop drop = switch (origin) {
                case Origin.PolicyRule rule -> new Drop(DroppedBy.policyRule(rule.tier(), name(rule.policy()), rule.index()),
                        rule.direction(), null);
                case Origin.ProfileRule rule -> new Drop(DroppedBy.profileRule(rule.profile(), rule.index()),
                        rule.direction(), null);
                case Origin.EndOfTier end -> new Drop(DroppedBy.endOfTier(end.tier(), name(end.lastPolicy())),
                        end.direction(), end.endpoint());
                case Origin.EndpointDrop end -> new Drop(DroppedBy.defaultDrop(), end.direction(), end.endpoint());
                default -> throw new IllegalStateException("DropLog logs no " + origin);
            };
            byPrefix.put(DropLog.prefix(origin), drop);
        }
    }

    /** A policy's name from its id (KIND/NAME, NAME being NS/NAME for a namespaced one). */
    private static String name(String policyId) {
        return policyId.substring(policyId.indexOf('/') + 1);
    }

    /** The packet as a denied flow of this node; null when its prefix names no drop of the current state. */
    DeniedFlow flow(UlogdPacket packet, String node) {
        Drop drop = byPrefix.get(packet.prefix());
        if (drop == null) {
            return null;
        }
        boolean ingress = drop.direction() == Direction.INBOUND;
        String endpoint = drop.endpoint();
        if (endpoint == null) {
            IpAddress own = IpAddress.parseOrNull(ingress ? packet.destination() : packet.source());
            endpoint = own == null ? null : endpointsByAddress.get(own);
        }
        boolean icmp = packet.icmpType() != null;
        return new DeniedFlow(packet.time(), node, ingress ? DeniedFlow.INGRESS : DeniedFlow.EGRESS, endpoint,
                packet.protocolName(), packet.source(), packet.destination(), icmp ? null : packet.sourcePort(),
                icmp ? null : packet.destinationPort(), packet.icmpType(), packet.icmpCode(), drop.by());
    }
}
