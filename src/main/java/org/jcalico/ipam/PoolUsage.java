package org.jcalico.ipam;

import java.math.BigInteger;
import java.util.List;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;

/** A pool with its blocks and how much of it is in use, for `jcalico ipam show`. */
public record PoolUsage(IpPool pool, List<IpamBlock> blocks) {
    public PoolUsage {
        blocks = List.copyOf(blocks);
    }

    public long used() {
        return blocks.stream().mapToLong(block -> block.allocations().size()).sum();
    }

    public BigInteger free() {
        return pool.cidr().size().subtract(BigInteger.valueOf(used()));
    }
}
