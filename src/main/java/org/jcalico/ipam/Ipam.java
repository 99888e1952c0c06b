package org.jcalico.ipam;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.ValidationException;

/**
 * Address management without a cluster-wide lock. Pools are carved into blocks that each belong to one node, so a
 * node allocates from its own blocks and advertises one route per block; every change is a compare-and-swap on a
 * single block, retried when another allocator got there first.
 */
public final class Ipam {
    private static final int ATTEMPTS = 200;
    private final ResourceStore store;
    private final Pools pools;

    public Ipam(ResourceStore store) {
        this.store = store;
        this.pools = new Pools(store);
    }

    /**
     * One address of the IP version for the node: from the node's blocks, else from a newly claimed block, else
     * borrowed from another node's block.
     */
    public IpAddress autoAssign(String node, int version, String handle) {
        return retrying(() -> {
            List<IpPool> enabled = pools.list().stream()
                    .filter(pool -> !pool.disabled() && pool.cidr().version() == version).toList();
            if (enabled.isEmpty()) {
                throw new ValidationException("no enabled IPv" + version + " pool: add one with 'jcalico pool add CIDR'");
            }
            List<Versioned<IpamBlock>> blocks = blocksIn(enabled);
            Optional<Versioned<IpamBlock>> own = blocks.stream()
                    .filter(block -> node.equals(block.resource().affinity()) && block.resource().free() > 0).findFirst();
            if (own.isPresent()) {
                return takeFree(own.get(), handle);
            }
            Optional<IpAddress> claimed = claimBlock(enabled, blocks, node, handle);
            if (claimed.isPresent()) {
                return claimed.get();
            }
            Optional<Versioned<IpamBlock>> borrowable = blocks.stream().filter(block -> block.resource().free() > 0).findFirst();
            if (borrowable.isPresent()) {
                return takeFree(borrowable.get(), handle);
            }
            throw new ValidationException("no free IPv" + version + " address in any enabled pool");
        });
    }

    /** The given address for the handle; it must lie in an enabled pool and be free. */
    public void assign(IpAddress address, String node, String handle) {
        retrying(() -> {
            IpPool pool = pools.enabledPoolContaining(address).orElseThrow(() ->
                    new ValidationException("address " + address + " is not in any enabled IP pool"));
            Cidr blockCidr = Cidr.containing(address, pool.blockSize());
            Optional<Versioned<IpamBlock>> block = store.get(IpamBlock.class, blockCidr.toString());
            if (block.isEmpty()) {
                store.create(new IpamBlock(blockCidr, node, Map.of()).withAllocation(address, handle));
                return address;
            }
            String holder = block.get().resource().holderOf(address);
            if (holder != null) {
                throw new ValidationException("address " + address + " is already in use (by " + holder + ")");
            }
            store.update(block.get().resource().withAllocation(address, handle), block.get().revision());
            return address;
        });
    }

    /** Claims an empty block for the node ahead of any allocation, as a fabric that routes fixed ranges needs. */
    public IpamBlock claim(Cidr block, String node) {
        IpPool pool = pools.list().stream().filter(p -> !p.disabled() && p.cidr().contains(block)).findFirst()
                .orElseThrow(() -> new ValidationException("block " + block + " is not in any enabled IP pool"));
        if (pool.blockSize() != block.prefixLength()) {
            throw new ValidationException("block " + block + " does not have pool " + pool.cidr() + "'s block size /" + pool.blockSize());
        }
        if (store.get(IpamBlock.class, block.toString()).isPresent()) {
            throw new ValidationException("block " + block + " is claimed already");
        }
        IpamBlock claimed = new IpamBlock(block, node, Map.of());
        store.create(claimed);
        return claimed;
    }

    /** Frees the address and returns the handle that held it. */
    public String release(IpAddress address) {
        return retrying(() -> {
            Versioned<IpamBlock> block = store.list(IpamBlock.class).stream()
                    .filter(candidate -> candidate.resource().cidr().contains(address)).findFirst()
                    .orElseThrow(() -> new ValidationException("address " + address + " is not allocated"));
            String holder = block.resource().holderOf(address);
            if (holder == null) {
                throw new ValidationException("address " + address + " is not allocated");
            }
            store.update(block.resource().withoutAllocation(address), block.revision());
            return holder;
        });
    }

    /** Frees every address the handle holds; returns how many. */
    public int releaseHandle(String handle) {
        return retrying(() -> {
            int released = 0;
            for (Versioned<IpamBlock> block : store.list(IpamBlock.class)) {
                IpamBlock updated = block.resource();
                for (var allocation : block.resource().allocations().entrySet()) {
                    if (allocation.getValue().equals(handle)) {
                        updated = updated.withoutAllocation(updated.cidr().addressAt(BigInteger.valueOf(allocation.getKey())));
                    }
                }
                if (updated != block.resource()) {
                    store.update(updated, block.revision());
                    released += block.resource().allocations().size() - updated.allocations().size();
                }
            }
            return released;
        });
    }

    /** Every pool with its blocks, in address order. */
    public List<PoolUsage> usage() {
        List<IpamBlock> blocks = store.list(IpamBlock.class).stream().map(Versioned::resource).sorted(
                java.util.Comparator.comparing(IpamBlock::cidr)).toList();
        return pools.list().stream().sorted(java.util.Comparator.comparing(IpPool::cidr))
                .map(pool -> new PoolUsage(pool, blocks.stream().filter(block -> pool.cidr().contains(block.cidr())).toList()))
                .toList();
    }

    private IpAddress takeFree(Versioned<IpamBlock> block, String handle) {
        IpamBlock current = block.resource();
        IpAddress address = current.cidr().addressAt(BigInteger.valueOf(current.firstFreeOffset()));
        store.update(current.withAllocation(address, handle), block.revision());
        return address;
    }

    /** Claims the first unclaimed block of the first pool that has one, with its first address for the handle. */
    private Optional<IpAddress> claimBlock(List<IpPool> enabled, List<Versioned<IpamBlock>> blocks, String node, String handle) {
        Set<Cidr> taken = new HashSet<>();
        blocks.forEach(block -> taken.add(block.resource().cidr()));
        for (IpPool pool : enabled) {
            BigInteger count = pool.cidr().subnetCount(pool.blockSize());
            // the first free index is found within (blocks already in the pool + 1) steps
            for (BigInteger index = BigInteger.ZERO; index.compareTo(count) < 0; index = index.add(BigInteger.ONE)) {
                Cidr candidate = pool.cidr().subnet(index, pool.blockSize());
                if (!taken.contains(candidate)) {
                    IpAddress address = candidate.network();
                    store.create(new IpamBlock(candidate, node, Map.of()).withAllocation(address, handle));
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }

    private List<Versioned<IpamBlock>> blocksIn(List<IpPool> enabled) {
        return store.list(IpamBlock.class).stream()
                .filter(block -> enabled.stream().anyMatch(pool -> pool.cidr().contains(block.resource().cidr())))
                .toList();
    }

    /** Runs the attempt until no compare-and-swap conflict interferes, backing off a little more each time. */
    private static <T> T retrying(java.util.function.Supplier<T> attempt) {
        for (int tries = 1; ; tries++) {
            try {
                return attempt.get();
            } catch (ConflictException e) {
                if (tries == ATTEMPTS) {
                    throw new DatastoreException("IPAM gave up after " + ATTEMPTS + " conflicting attempts: " + e.getMessage());
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(1 + Math.min(tries, 20)));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new DatastoreException("interrupted while allocating");
                }
            }
        }
    }
}
