package org.jcalico.ipam;

import java.math.BigInteger;
import java.util.List;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;

/**
 * A pool with its blocks and how much of it is in use, for `jcalico ipam show` and `pool list`; UNREADABLE blocks of
 * the pool could not be read, so their addresses are not counted.
 */
public record PoolUsage(IpPool pool, List<IpamBlock> blocks, int unreadable) {
    public PoolUsage {
        blocks = List.copyOf(blocks);
    }

    /** Every block record in the pool, read or not. */
    public int blockRecords() {
        return blocks.size() + unreadable;
    }

    /** The addresses the blocks that read hold: the pool's use when {@code unreadable} is 0, else at least it. */
    public long used() {
        return blocks.stream().mapToLong(block -> block.allocations().size()).sum();
    }

    public BigInteger free() {
        return pool.cidr().size().subtract(BigInteger.valueOf(used()));
    }
}
