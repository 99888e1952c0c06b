package org.jcalico.felix;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.routes.StrayScope;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The {@link StrayScope} of an agent's first pass, from its snapshot: an address in any pool could have been a local
 * endpoint's, borrowed from another node's block or not (IPAM lends one when the node's blocks are full), and once
 * released no record says whose it was; an address another node's endpoint holds, even one this node's block lent it,
 * is that workload's (but where the workload may be the address's new holder since the kernel's state was calculated,
 * {@link NewHolders}: its connections were accepted for the one before), and a node's address (outside the pools, but
 * an older store may hold such a pool) the host's. Read on the dump's thread beside the calculation: the snapshot is
 * immutable.
 */
final class SnapshotStrayScope implements StrayScope {
    private final Snapshot snapshot;
    private final StrayScope pools;
    /** Holders that may be new since the kernel's state was calculated: they keep no connection of their addresses. */
    private final NewHolders newHolders;

    SnapshotStrayScope(Snapshot snapshot, NewHolders newHolders) {
        this.snapshot = snapshot;
        this.newHolders = newHolders;
        this.pools = StrayScope.within(snapshot.pools().stream().map(IpPool::cidr).toList());
    }

    @Override
    public boolean covers(IpAddress address) {
        return pools.covers(address);
    }

    /**
     * One walk of the cluster's endpoints (no set of their addresses is made), only when some address is covered and
     * some holder did not change; an address whose holder may be new ({@link NewHolders}) is held by none.
     */
    @Override
    public Set<IpAddress> heldElsewhere(Set<IpAddress> addresses) {
        Set<IpAddress> held = new HashSet<>();
        if (addresses.isEmpty()) {
            return held;
        }
        if (!newHolders.all()) {
            for (WorkloadEndpoint endpoint : snapshot.endpoints()) {
                if (!endpoint.node().equals(snapshot.node())) {
                    heldBy(endpoint.nets(4), addresses, held);
                    heldBy(endpoint.nets(6), addresses, held);
                }
            }
            held.removeIf(newHolders::mayHaveChanged);
        }
        for (Node node : snapshot.nodes()) {
            for (IpAddress address : new IpAddress[] {node.ipv4(), node.ipv6()}) {
                if (address != null && addresses.contains(address)) {
                    held.add(address);
                }
            }
        }
        return held;
    }

    /**
     * A network an endpoint's record claims holds no address: calc leaves such a record out (AddressClaims), and one
     * forged over the pools would otherwise keep every gone local endpoint's connections from the sweep.
     */
    private static void heldBy(List<Cidr> nets, Set<IpAddress> addresses, Set<IpAddress> held) {
        for (Cidr net : nets) {
            if (net.isHost() && addresses.contains(net.network())) {
                held.add(net.network());
            }
        }
    }
}
