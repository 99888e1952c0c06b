package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What one endpoint of this host contributes on its own: its dispatch rules (the from-rules carry its addresses and
 * the prefixes it may send from besides: anti-spoofing), its routes and its interface settings. Its chains depend on policies too (EndpointChains).
 */
record LocalEndpoint(WorkloadEndpoint endpoint, String interfaceName, List<ProgramRule> fromDispatch4,
                     List<ProgramRule> fromDispatch6, ProgramRule toDispatch, List<RouteSpec> routes,
                     EndpointInterface link) {
    static LocalEndpoint of(WorkloadEndpoint endpoint) {
        String iface = endpoint.interfaceName();
        return new LocalEndpoint(endpoint, iface, fromDispatch(endpoint, 4), fromDispatch(endpoint, 6),
                ProgramRule.structural(Match.of(new Criterion.InterfaceIs(Side.DESTINATION, iface)),
                        new Verdict.Goto(DataplaneNames.toEndpoint(iface))),
                endpoint.nets().stream().map(net -> RouteSpec.toInterface(net, iface)).toList(),
                new EndpointInterface(iface, !endpoint.ipv4Nets().isEmpty(), !endpoint.ipv6Nets().isEmpty(),
                        endpoint.isolation().isPresent()));
    }

    List<ProgramRule> fromDispatch(int version) {
        return version == 4 ? fromDispatch4 : fromDispatch6;
    }

    /**
     * Whether the endpoint takes part in the family: it has an address of it or may send from a prefix of it. One that
     * does not has no chains in that family, and its dispatch rules there are none: whatever it sends is dropped
     * (anti-spoofing) and whatever would be sent to it too. Every transaction that adds a rule makes the kernel validate
     * all the rules its table's hooks reach (docs/dataplane.md), so chains no packet may take still cost each change.
     */
    boolean inFamily(int version) {
        return !fromDispatch(version).isEmpty();
    }

    /**
     * Whether the packets it sends and receives in the family name it by their address: it may send from no other
     * prefix, and each of its nets is one address. Only then may its policy be a chain it shares with others
     * (EndpointChains), whose drops the denied-flow log tells by address.
     */
    boolean identifiedByAddress(int version) {
        return endpoint.allowSpoofedSourcePrefixes(version).isEmpty()
                && endpoint.nets(version).stream().allMatch(net -> net.prefixLength() == net.network().bits());
    }

    List<ProgramRule> toDispatch(int version) {
        return inFamily(version) ? List.of(toDispatch) : List.of();
    }

    private static List<ProgramRule> fromDispatch(WorkloadEndpoint endpoint, int version) {
        String iface = endpoint.interfaceName();
        List<ProgramRule> rules = new ArrayList<>();
        List<Cidr> sources = new ArrayList<>(endpoint.nets(version));
        sources.addAll(endpoint.allowSpoofedSourcePrefixes(version));
        for (Cidr net : sources) {
            rules.add(ProgramRule.structural(Match.of(new Criterion.InterfaceIs(Side.SOURCE, iface),
                    new Criterion.NetIs(Side.SOURCE, net, false)), new Verdict.Goto(DataplaneNames.fromEndpoint(iface))));
        }
        return List.copyOf(rules);
    }
}
