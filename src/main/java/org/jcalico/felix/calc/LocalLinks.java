package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.IpamBlock;

/**
 * The routes and interfaces of the local endpoints and blocks, kept between calculations: the same immutable sets
 * while the endpoints and blocks are the same (a policy or a remote change), and otherwise changed by the endpoints
 * that came and went (ListChanges), each route and interface counted by the endpoints that have it. The sets handed
 * out are made from the counts' keys, which are distinct, in one pass: making them from every endpoint's routes
 * hashed each route three times (a set of them, then Set.copyOf's own set and its result), a quarter of an endpoint's
 * arrival in calc at 1,000 endpoints.
 */
final class LocalLinks {
    private List<LocalEndpoint> local;
    private List<IpamBlock> blocks;
    private final Map<RouteSpec, Integer> routeCounts = new HashMap<>();
    private final Map<EndpointInterface, Integer> interfaceCounts = new HashMap<>();
    private Set<RouteSpec> routes;
    private Set<EndpointInterface> interfaces;

    /** Brings the sets to these endpoints (ordered as the calculator lists them) and blocks. */
    void update(List<LocalEndpoint> nowLocal, List<IpamBlock> nowBlocks) {
        if (local != null && sameObjects(local, nowLocal) && nowBlocks.equals(blocks)) {
            return;
        }
        List<LocalEndpoint> added = new ArrayList<>();
        List<LocalEndpoint> gone = new ArrayList<>();
        if (local == null || !nowBlocks.equals(blocks)) {
            routeCounts.clear();
            interfaceCounts.clear();
            // traffic to a free address of a local block fails at once instead of following the default route
            nowBlocks.forEach(block -> count(routeCounts, new RouteSpec(block.cidr(), RouteSpec.Type.UNREACHABLE, null), 1));
            added.addAll(nowLocal);
        } else {
            ListChanges.compare(local, nowLocal, added, gone);
        }
        for (LocalEndpoint endpoint : gone) {
            endpoint.routes().forEach(route -> count(routeCounts, route, -1));
            count(interfaceCounts, endpoint.link(), -1);
        }
        for (LocalEndpoint endpoint : added) {
            endpoint.routes().forEach(route -> count(routeCounts, route, 1));
            count(interfaceCounts, endpoint.link(), 1);
        }
        local = nowLocal;
        blocks = nowBlocks;
        routes = Set.of(routeCounts.keySet().toArray(RouteSpec[]::new));
        interfaces = Set.of(interfaceCounts.keySet().toArray(EndpointInterface[]::new));
    }

    Set<RouteSpec> routes() {
        return routes;
    }

    Set<EndpointInterface> interfaces() {
        return interfaces;
    }

    private static <T> void count(Map<T, Integer> counts, T key, int delta) {
        counts.merge(key, delta, (was, change) -> was + change == 0 ? null : was + change);
    }

    private static boolean sameObjects(List<LocalEndpoint> one, List<LocalEndpoint> other) {
        if (one.size() != other.size()) {
            return false;
        }
        for (int i = 0; i < one.size(); i++) {
            if (one.get(i) != other.get(i)) {
                return false;
            }
        }
        return true;
    }
}
