package org.jcalico.felix.hoststate;

import java.util.Set;

/**
 * Local endpoints' interfaces and routes apart from their rules: what a cold start sets up behind its guard while the
 * rules are still being calculated (docs/dataplane.md, "The cold start's order"). The sets are calc's, not copied.
 */
public record EndpointLinks(Set<RouteSpec> routes, Set<EndpointInterface> interfaces) {
}
