package org.jcalico.felix.calc;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jcalico.felix.hoststate.EndpointLinks;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The links and routes a cold start may set up behind its guard before the calculation of the rules ends
 * (docs/dataplane.md, "Session 50 (p-cold3)"): those of the local endpoints, and the local blocks' unreachable routes,
 * as the calculation makes them (LocalLinks), but only of interfaces the guard catches (named with the configured
 * prefix: with none, the guard hooks no interface) and not of an interface that an endpoint isolated on purpose (state
 * not active) has. The guard drops every packet that such an interface forwards or sends to the host; the host's own
 * packets to an endpoint pass it, which the rules allow for every endpoint but an isolated one (jc-OUTPUT drops those),
 * so an isolated endpoint's link still comes up beside the rules, after the calculation.
 */
public final class GuardedLinks {
    private GuardedLinks() {
    }

    public static EndpointLinks of(Snapshot snapshot) {
        String prefix = snapshot.config().interfacePrefix();
        Set<String> isolated = snapshot.localEndpoints().stream().filter(endpoint -> endpoint.isolation().isPresent())
                .map(WorkloadEndpoint::interfaceName).collect(Collectors.toSet());
        List<LocalEndpoint> guarded = snapshot.localEndpoints().stream()
                .filter(endpoint -> prefix != null && endpoint.interfaceName().startsWith(prefix)
                        && !isolated.contains(endpoint.interfaceName()))
                .map(LocalEndpoint::of).toList();
        LocalLinks links = new LocalLinks();
        links.update(guarded, List.of(), List.of(), snapshot.localBlocks());
        return new EndpointLinks(links.routes(), links.interfaces());
    }
}
