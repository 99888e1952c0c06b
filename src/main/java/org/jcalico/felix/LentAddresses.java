package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.bgp.RoutingIntent;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The addresses of this node's blocks lent to other nodes ({@link RoutingIntent#lentRoutes}): allocated in the block,
 * claimed by an endpoint of another node and by none of this node's ({@link AddressClaims#claimedElsewhereOnly}). Not
 * "held by no local endpoint": a `container add` allocates its address a commit before its endpoint record, and a
 * remove releases it a commit after, so that definition changed BIRD's import filter twice per add and remove
 * (docs/architecture.md, "Session 59 (t-bgp2)"). Kept as the cache changes: a block is worked out again (a lookup per
 * allocation) only when its record changes or an endpoint with a net in it comes or goes, and only when asked, once per
 * pass. Owned by the cache, on the agent's one thread.
 */
final class LentAddresses {
    private final String node;
    private final AddressClaims claims;
    private final Map<Cidr, IpamBlock> blocks = new HashMap<>();
    private final Map<Cidr, List<Cidr>> byBlock = new TreeMap<>();
    /** The blocks to work out again. */
    private final TreeSet<Cidr> stale = new TreeSet<>();
    /** Every block's, joined; null when to be joined again. */
    private List<Cidr> all = List.of();

    LentAddresses(String node, AddressClaims claims) {
        this.node = node;
        this.claims = claims;
    }

    void clear() {
        blocks.clear();
        byBlock.clear();
        stale.clear();
        all = null;
    }

    /** BLOCK, one of this node's, is held now (new, or another record of it). */
    void blockHeld(IpamBlock block) {
        blocks.put(block.cidr(), block);
        stale.add(block.cidr());
    }

    void blockGone(IpamBlock block) {
        if (blocks.get(block.cidr()) == block) {
            blocks.remove(block.cidr());
            stale.remove(block.cidr());
            byBlock.remove(block.cidr());
            all = null;
        }
    }

    /** ENDPOINT (of any node) came or went: the blocks its nets lie in are worked out again. */
    void endpointChanged(WorkloadEndpoint endpoint) {
        List<Cidr> nets = endpoint.nets();
        for (Cidr block : blocks.keySet()) {
            for (int i = 0; i < nets.size(); i++) {
                if (block.overlaps(nets.get(i))) {
                    stale.add(block);
                    break;
                }
            }
        }
    }

    /** The host routes of the lent addresses, in order; the same list while none changed. */
    List<Cidr> routes() {
        for (Cidr cidr : stale) {
            List<Cidr> lent = RoutingIntent.lent(blocks.get(cidr), route -> claims.claimedElsewhereOnly(route, node));
            if (!lent.equals(byBlock.put(cidr, lent))) {
                all = null;
            }
        }
        stale.clear();
        if (all == null) {
            List<Cidr> joined = new ArrayList<>();
            byBlock.values().forEach(joined::addAll);
            all = List.copyOf(joined);
        }
        return all;
    }
}
