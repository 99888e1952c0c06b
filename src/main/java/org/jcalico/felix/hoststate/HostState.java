package org.jcalico.felix.hoststate;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The desired state of one host's kernel, as the pure calculation produces it and the dataplane drivers apply it.
 * Only objects named with {@link #OWNED_PREFIX} (chains, ipsets), routes with {@link #ROUTE_PROTOCOL}, and the
 * listed interfaces belong to jcalico.
 */
public record HostState(IptablesState ipv4, IptablesState ipv6, Map<String, IpSetSpec> ipSets, Set<RouteSpec> routes,
                        Set<EndpointInterface> interfaces) {
    public static final String OWNED_PREFIX = "jc-";
    /** jcalico's routing protocol number for its routes; unassigned in /etc/iproute2/rt_protos (BIRD uses 12). */
    public static final int ROUTE_PROTOCOL = 98;

    public HostState {
        ipSets = java.util.Collections.unmodifiableMap(new TreeMap<>(ipSets));
        routes = Set.copyOf(routes);
        interfaces = Set.copyOf(interfaces);
    }

    public IptablesState iptables(int version) {
        return version == 4 ? ipv4 : ipv6;
    }
}
