package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What one endpoint of this host contributes on its own: its from- and to-chains (the same for both IP families, as
 * they only jump to its profiles), its dispatch rules (the from-rules carry its addresses: anti-spoofing), its routes
 * and its interface settings.
 */
record LocalEndpoint(String interfaceName, List<String> profileIds, Chain from, Chain to, List<String> fromDispatch4,
                     List<String> fromDispatch6, String toDispatch, List<RouteSpec> routes, EndpointInterface link) {
    static LocalEndpoint of(WorkloadEndpoint endpoint) {
        String iface = endpoint.interfaceName();
        return new LocalEndpoint(iface, endpoint.profileIds(),
                new Chain(DataplaneNames.fromEndpoint(iface), chain(endpoint, Direction.OUTBOUND)),
                new Chain(DataplaneNames.toEndpoint(iface), chain(endpoint, Direction.INBOUND)),
                fromDispatch(endpoint, 4), fromDispatch(endpoint, 6),
                "-o " + iface + " -g " + DataplaneNames.toEndpoint(iface),
                endpoint.nets().stream().map(net -> RouteSpec.toInterface(net, iface)).toList(),
                new EndpointInterface(iface, !endpoint.ipv4Nets().isEmpty(), !endpoint.ipv6Nets().isEmpty()));
    }

    List<String> fromDispatch(int version) {
        return version == 4 ? fromDispatch4 : fromDispatch6;
    }

    private static List<String> fromDispatch(WorkloadEndpoint endpoint, int version) {
        String iface = endpoint.interfaceName();
        List<String> rules = new ArrayList<>();
        for (Cidr net : endpoint.nets(version)) {
            rules.add("-i " + iface + " -s " + net + " -g " + DataplaneNames.fromEndpoint(iface));
        }
        return List.copyOf(rules);
    }

    private static List<String> chain(WorkloadEndpoint endpoint, Direction direction) {
        List<String> rules = new ArrayList<>(List.of(
                "-m conntrack --ctstate INVALID -j DROP",
                "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-j MARK --set-xmark 0x0/" + RuleRenderer.ACCEPT_BIT));
        for (String profile : endpoint.profileIds()) {
            rules.add("-j " + DataplaneNames.profile(profile, direction));
            rules.add("-m mark --mark " + RuleRenderer.ACCEPT_MARK + " -j RETURN");
        }
        rules.add("-j DROP");
        return rules;
    }
}
