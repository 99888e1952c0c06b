package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.bgp.RoutingIntent;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpamBlock;

/**
 * The addresses of this node's blocks lent to other nodes' endpoints ({@link RoutingIntent#lentRoutes}), kept from pass
 * to pass: a block's are worked out again only when it is a new record (an allocation or release in it) or an endpoint
 * that came or went has an address in it, so that a pass costs the blocks and what changed, not a walk of every
 * allocation, which is one per local endpoint (docs/agent.md, "Session 54 (p-pass)"). A pass whose local endpoints'
 * changes were not all seen ({@link LocalEndpoints#version}) works out every block again. The loop's own.
 */
final class LentAddresses {
    private record Kept(IpamBlock block, List<Cidr> lent) {
    }

    private final Map<Cidr, Kept> byBlock = new HashMap<>();
    private List<Cidr> all = List.of();
    private long seenVersion = -1;

    /** This pass's lent routes, LOCAL having been updated for the same pass. */
    List<Cidr> update(List<IpamBlock> blocks, LocalEndpoints local) {
        boolean everyBlock = local.version() != seenVersion + 1;
        seenVersion = local.version();
        boolean changed = everyBlock || blocks.size() != byBlock.size();
        List<Cidr> touched = new ArrayList<>();
        local.came().forEach(endpoint -> touched.addAll(endpoint.nets()));
        local.gone().forEach(endpoint -> touched.addAll(endpoint.nets()));
        for (IpamBlock block : blocks) {
            Kept kept = byBlock.get(block.cidr());
            if (kept != null && kept.block() == block && !everyBlock && !holdsAny(block, touched)) {
                continue;
            }
            List<Cidr> lent = RoutingIntent.lent(block, local::holds);
            changed |= kept == null || !kept.lent().equals(lent);
            byBlock.put(block.cidr(), new Kept(block, lent));
        }
        if (changed) {
            Set<Cidr> present = new HashSet<>();
            blocks.forEach(block -> present.add(block.cidr()));
            byBlock.keySet().retainAll(present);
            all = blocks.stream().flatMap(block -> byBlock.get(block.cidr()).lent().stream()).toList();
        }
        return all;
    }

    /** Whether one of these nets (of the endpoints that came or went) lies in the block. */
    private static boolean holdsAny(IpamBlock block, List<Cidr> nets) {
        for (int i = 0; i < nets.size(); i++) {
            if (block.cidr().contains(nets.get(i))) {
                return true;
            }
        }
        return false;
    }
}
