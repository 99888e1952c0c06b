package org.jcalico.felix.hoststate;

import java.util.Set;

/**
 * The local endpoints' interfaces and the routes to them and to the local blocks: the part of a {@link HostState}
 * that depends on nothing but which endpoints are local, so a cold start can write it while the rest is calculated.
 */
public record Plumbing(Set<RouteSpec> routes, Set<EndpointInterface> interfaces) {
    public static final Plumbing NONE = new Plumbing(Set.of(), Set.of());

    public Plumbing {
        routes = Set.copyOf(routes);
        interfaces = Set.copyOf(interfaces);
    }
}
