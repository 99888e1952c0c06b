package org.jcalico.ipam;

import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;

/**
 * A pool with its blocks and how much of it is in use, for `jcalico ipam show`; {@code nodes} are the registered
 * nodes' names as read with the blocks.
 */
public record PoolUsage(IpPool pool, List<IpamBlock> blocks, Set<String> nodes) {
    public PoolUsage {
        blocks = List.copyOf(blocks);
        nodes = Set.copyOf(nodes);
    }

    /**
     * Whether the block is affine to a name no node has: no agent routes it and nothing allocates from it as its
     * own until `node remove NAME` gives it up (a store an older jcalico wrote, or a node record deleted by hand).
     */
    public boolean unregistered(IpamBlock block) {
        return block.affinity() != null && !nodes.contains(block.affinity());
    }

    public long used() {
        return blocks.stream().mapToLong(block -> block.allocations().size()).sum();
    }

    public BigInteger free() {
        return pool.cidr().size().subtract(BigInteger.valueOf(used()));
    }
}
