package org.jcalico.felix.calc;

import java.util.List;
import java.util.Set;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpamBlock;
import org.jcalico.util.PersistentSortedMap;

/**
 * The routes and interfaces of the local endpoints and blocks, kept between calculations and changed by the endpoints
 * that came and went, each route and interface counted by the endpoints that have it. The counts are persistent maps
 * and the sets handed out are their keys, immutable views that nobody copies: an endpoint's arrival costs its own
 * routes, where making the sets from the counts' keys (3,000 hashed at 1,000 endpoints) was a fifth of an arrival's
 * calc (docs/dataplane.md, "One endpoint added to 1,000, session 36"). Routes and interfaces have no order of their
 * own: the maps are ordered by hash ({@link PersistentSortedMap#byHash}; records print every component, so two
 * unequal ones of one hash never print alike).
 */
final class LocalLinks {
    /** The local blocks' CIDRs at the last update: all that links take of the blocks (their unreachable routes). */
    private List<Cidr> blockCidrs;
    private PersistentSortedMap<RouteSpec, Integer> routeCounts = PersistentSortedMap.byHash();
    private PersistentSortedMap<EndpointInterface, Integer> interfaceCounts = PersistentSortedMap.byHash();

    /**
     * Brings the sets to the local endpoints: ADDED came and GONE went since the last call, unless ALL is given
     * (not null), which are then every local endpoint. A change of the blocks' CIDRs needs ALL.
     */
    void update(List<LocalEndpoint> all, List<LocalEndpoint> added, List<LocalEndpoint> gone, List<IpamBlock> nowBlocks) {
        if (all == null && !sameBlocks(nowBlocks)) {
            throw new IllegalArgumentException("the blocks changed: every local endpoint is needed");
        }
        if (all != null) {
            routeCounts = PersistentSortedMap.byHash();
            interfaceCounts = PersistentSortedMap.byHash();
            // traffic to a free address of a local block fails at once instead of following the default route
            nowBlocks.forEach(block -> routeCounts = count(routeCounts,
                    new RouteSpec(block.cidr(), RouteSpec.Type.UNREACHABLE, null), 1));
            added = all;
            gone = List.of();
        }
        for (LocalEndpoint endpoint : gone) {
            endpoint.routes().forEach(route -> routeCounts = count(routeCounts, route, -1));
            interfaceCounts = count(interfaceCounts, endpoint.link(), -1);
        }
        for (LocalEndpoint endpoint : added) {
            endpoint.routes().forEach(route -> routeCounts = count(routeCounts, route, 1));
            interfaceCounts = count(interfaceCounts, endpoint.link(), 1);
        }
        blockCidrs = cidrs(nowBlocks);
    }

    /**
     * Whether the last update was for blocks of these CIDRs. Not the blocks' records: an address allocated or released
     * changes its block's record, and a comparison of records made every such add rebuild the links of every local
     * endpoint (3.7 MB allocated at 2,000 local endpoints against 0.45 MB at 200; AddWorkScalingTest).
     */
    boolean sameBlocks(List<IpamBlock> nowBlocks) {
        return cidrs(nowBlocks).equals(blockCidrs);
    }

    private static List<Cidr> cidrs(List<IpamBlock> blocks) {
        return blocks.stream().map(IpamBlock::cidr).toList();
    }

    Set<RouteSpec> routes() {
        return routeCounts.keySet();
    }

    Set<EndpointInterface> interfaces() {
        return interfaceCounts.keySet();
    }

    private static <T> PersistentSortedMap<T, Integer> count(PersistentSortedMap<T, Integer> counts, T key, int delta) {
        Integer was = counts.get(key);
        int now = (was == null ? 0 : was) + delta;
        return now == 0 ? counts.without(key) : counts.with(key, now);
    }
}
