package org.jcalico.ipam;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Retries;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.ValidationException;

/**
 * IP pools: adding without overlap, changing safely, removing only when nothing is allocated from them. Each check
 * is guarded in the commit it allows (see docs/ipam.md): an add commits only if no pool appeared since the pools it
 * checked were read, a removal only if no block appeared or changed since it found the pool's blocks empty.
 */
public final class Pools {
    /** Blocks deleted in one commit: etcd takes 128 operations in a transaction unless started with more. */
    static final int BLOCKS_PER_COMMIT = 100;

    private final ResourceStore store;

    public Pools(ResourceStore store) {
        this.store = store;
    }

    public List<IpPool> list() {
        return store.list(IpPool.class).stream().map(Versioned::resource).toList();
    }

    public void add(IpPool pool) {
        Retries.run(() -> {
            ResourceStore.Listed<IpPool> pools = store.listed(IpPool.class);
            if (pools.resources().stream().anyMatch(other -> other.cidr().equals(pool.cidr()))) {
                throw new ValidationException("pool " + pool.cidr() + " already exists");
            }
            checkCanApply(pool, pools.resources(), List.of());
            store.commit(List.of(ResourceStore.createOp(pool), ResourceStore.noneNewerOp(IpPool.class, pools.revision())));
        });
    }

    /**
     * Fails unless the pool can be stored next to the others: no overlap with another pool, and no block-size change
     * while the pool has blocks.
     */
    public static void checkCanApply(IpPool pool, List<IpPool> others, List<IpamBlock> blocks) {
        for (IpPool other : others) {
            if (other.cidr().equals(pool.cidr())) {
                boolean hasBlocks = blocks.stream().anyMatch(block -> pool.cidr().contains(block.cidr()));
                if (!other.blockSize().equals(pool.blockSize()) && hasBlocks) {
                    throw ValidationException.field("blockSize", pool.blockSize(), "cannot change while pool "
                            + pool.cidr() + " has blocks (it is " + other.blockSize() + ")");
                }
            } else if (other.cidr().overlaps(pool.cidr())) {
                throw ValidationException.field("cidr", pool.cidr(), "overlaps pool " + other.cidr());
            }
        }
    }

    /**
     * Removes the pool and its (empty) blocks; refused while any address of it is allocated. A pool of more blocks
     * than one commit may hold goes in steps: its empty blocks first, a share at a time, then the pool with the rest.
     */
    public void remove(Cidr cidr) {
        // a step that does not finish deletes blocks, so the steps end
        Retries.runSteps(() -> removeStep(cidr));
    }

    /**
     * One commit of a removal: the pool itself with its last blocks, or only a share of its empty blocks. Each block
     * goes at the revision it was read empty at, so an allocation since fails the commit and the next attempt counts
     * it; an empty block deleted before a refusal is only an affinity given up. A kill -9 between steps leaves the
     * pool with fewer empty blocks, as valid as before.
     *
     * @return whether the pool is gone
     */
    private boolean removeStep(Cidr cidr) {
        Versioned<IpPool> pool = store.get(IpPool.class, cidr.toString())
                .orElseThrow(() -> new ValidationException("pool " + cidr + " does not exist"));
        ResourceStore.Listed<IpamBlock> all = store.listed(IpamBlock.class);
        List<Versioned<IpamBlock>> blocks = all.items().stream().filter(block -> cidr.contains(block.resource().cidr())).toList();
        int allocated = blocks.stream().mapToInt(block -> block.resource().allocations().size()).sum();
        if (allocated > 0) {
            throw new ValidationException("pool " + cidr + " still has " + allocated + " allocated address"
                    + (allocated == 1 ? "" : "es") + "; release them first (jcalico ipam show)");
        }
        List<Op> ops = new ArrayList<>();
        blocks.stream().limit(BLOCKS_PER_COMMIT).forEach(block -> ops.add(ResourceStore.deleteOp(block.resource(), block.revision())));
        boolean last = blocks.size() <= BLOCKS_PER_COMMIT;
        if (last) {
            ops.add(ResourceStore.deleteOp(pool.resource(), pool.revision()));
            // a block claimed since the listing would outlive its pool
            ops.add(ResourceStore.noneNewerOp(IpamBlock.class, all.revision()));
        }
        store.commit(ops);
        return last;
    }
}
