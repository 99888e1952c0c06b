package org.jcalico.ipam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Retries;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;

/**
 * IP pools: adding without overlap or a node's address inside, changing safely, removing only when nothing is allocated from them. Each check
 * is guarded in the commit it allows (see docs/ipam.md): an add commits only if no pool or node appeared since the
 * ones it checked were read, a removal only if no block appeared or changed since it found the pool's blocks empty.
 */
public final class Pools {
    /** Deletions in one commit (blocks and their entries): etcd takes 128 operations in a transaction unless started with more. */
    private static final int OPS_PER_COMMIT = 100;

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
            ResourceStore.Listed<Node> nodes = store.listed(Node.class);
            NodeAddressesOutsidePools.checkPool(pool, nodes.resources());
            // a node registered since the listing could lie in the pool
            store.commit(List.of(ResourceStore.createOp(pool), ResourceStore.noneNewerOp(IpPool.class, pools.revision()),
                    ResourceStore.noneNewerOp(Node.class, nodes.revision())));
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
     * Removes the pool and its (empty) blocks with their affinity entries; refused while any address of it is
     * allocated. A pool of more blocks than one commit may hold goes in steps: the first disables it, so that nothing
     * is allocated from it until the last, which deletes it.
     */
    public void remove(Cidr cidr) {
        // a step that does not finish deletes blocks or entries, so the steps end
        Retries.runSteps(() -> removeStep(cidr) ? Optional.of(cidr) : Optional.empty());
    }

    /**
     * One commit of a removal: the pool itself with its last blocks, or only a share of its empty blocks. Each block
     * goes at the revision it was read empty at, with the affinity entries naming it (so no node's index keeps a
     * block that is gone), so an allocation since fails the commit and the next attempt counts it. The first of
     * several steps disables the pool, guarded by no block having changed since the count: from then on no
     * allocation, claim or borrowing takes an address of it (a claim read the pool enabled fails its guard on the
     * pool), so a kill -9 between steps leaves a disabled pool with fewer empty blocks, which the next run removes.
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
        List<List<Op>> units = deletions(blocks, new IpamIndex(store).affinityEntriesIn(cidr));
        List<Op> ops = new ArrayList<>();
        boolean last = units.stream().mapToInt(List::size).sum() <= OPS_PER_COMMIT;
        for (List<Op> unit : units) {
            if (!last && ops.size() + unit.size() > OPS_PER_COMMIT) {
                break;
            }
            ops.addAll(unit);
        }
        IpPool read = pool.resource();
        if (last) {
            ops.add(ResourceStore.deleteOp(read, pool.revision()));
            // a block claimed since the listing would outlive its pool
            ops.add(ResourceStore.noneNewerOp(IpamBlock.class, all.revision()));
        } else if (!read.disabled()) {
            ops.add(ResourceStore.updateOp(new IpPool(read.cidr(), read.natOutgoing(), read.blockSize(), true, read.poolName()),
                    pool.revision()));
            // nothing allocated since the count: the pool gives out nothing from now on
            ops.add(ResourceStore.noneNewerOp(IpamBlock.class, all.revision()));
        } else {
            // disabled already (by a step before, or its owner): guarded by staying so, since a pool enabled again
            // meanwhile (`apply`) may have given out addresses, which the next attempt counts
            ops.add(ResourceStore.unchangedOp(pool));
        }
        store.commit(ops);
        return last;
    }

    /**
     * What deleting the blocks takes, one unit per commit at most: each block with the entries naming it, then the
     * entries whose block is gone already (left by an older jcalico's removal).
     */
    private static List<List<Op>> deletions(List<Versioned<IpamBlock>> blocks, List<KeyValue> entries) {
        Map<String, List<KeyValue>> byBlock = new HashMap<>();
        entries.forEach(entry -> byBlock.computeIfAbsent(entry.value(), block -> new ArrayList<>()).add(entry));
        List<List<Op>> units = new ArrayList<>();
        for (Versioned<IpamBlock> block : blocks) {
            List<Op> unit = new ArrayList<>(List.of(ResourceStore.deleteOp(block.resource(), block.revision())));
            Objects.requireNonNullElse(byBlock.remove(block.resource().cidr().toString()), List.<KeyValue>of())
                    .forEach(entry -> unit.add(new Op.Delete(entry.key(), entry.modRevision())));
            units.add(unit);
        }
        byBlock.values().forEach(left -> left.forEach(entry -> units.add(List.of(new Op.Delete(entry.key(), entry.modRevision())))));
        return units;
    }
}
