package org.jcalico.ipam;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Listing;
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
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;

/**
 * Address management without a cluster-wide lock. Pools are carved into blocks that each belong to one node, so a
 * node allocates from its own blocks and advertises one route per block; every change is a compare-and-swap on a
 * single block, guarded by the revision of the pool it lies in (so a block never outlives its pool), and retried
 * when another allocator got there first.
 *
 * <p>An instance reads the pools once and keeps them for the steps of one operation (a container's add takes an
 * address of each family and then guards them: one listing, not one per step); a conflicting commit, which may come
 * from a pool's change, makes the next attempt read them again. So an instance is made per operation, never kept.
 *
 * <p>A block is claimed only for a registered node, guarded by the node's record as read, so that no claim commits
 * once `node remove` gave up the node's blocks (docs/ipam.md, "The invariants and their guards", sessions 41 and 42).
 */
public final class Ipam {
    /** Blocks given up in one commit, two operations each: etcd takes 128 in a transaction unless told otherwise. */
    private static final int RELEASES_PER_COMMIT = 60;
    private final ResourceStore store;
    private final IpamIndex index;
    private List<Versioned<IpPool>> poolsRead;

    public Ipam(ResourceStore store) {
        this.store = store;
        this.index = new IpamIndex(store);
    }

    /**
     * One address of the IP version for the node: from the node's blocks, else from a newly claimed block, else
     * borrowed from another node's block.
     */
    public IpAddress autoAssign(String node, int version, String handle) {
        return autoAssign(node, version, handle, List.of());
    }

    /**
     * As {@link #autoAssign(String, int, String)}, from the given ranges alone (every enabled pool when empty): each
     * range is an enabled pool or lies inside one. A range smaller than the pool's blocks takes its addresses from the
     * one block that holds it (claimed for the node if nobody has it yet); a larger one from the blocks inside it.
     */
    public IpAddress autoAssign(String node, int version, String handle, List<Cidr> ranges) {
        return retried(() -> {
            List<Versioned<IpPool>> enabled = pools().stream()
                    .filter(pool -> !pool.resource().disabled() && pool.resource().cidr().version() == version)
                    .filter(pool -> ranges.isEmpty() || ranges.stream().anyMatch(range -> pool.resource().cidr().contains(range)))
                    .toList();
            if (enabled.isEmpty() && !ranges.isEmpty()) {
                throw new ValidationException("IP pool " + (ranges.size() == 1 ? ranges.getFirst() : ranges) + " is not enabled");
            }
            if (enabled.isEmpty()) {
                throw new ValidationException("no enabled IPv" + version + " pool: add one with 'jcalico pool add CIDR'");
            }
            List<Cidr> within = ranges.isEmpty() ? enabled.stream().map(pool -> pool.resource().cidr()).toList() : ranges;
            index.ensure();
            Optional<Versioned<IpamBlock>> own = index.affineBlocks(node).stream()
                    .filter(block -> inAny(enabled, block) && firstFree(block.resource(), within).isPresent()).findFirst();
            if (own.isPresent()) {
                return takeFree(own.get(), enabled, handle, within);
            }
            // claiming a block lists every block's key (once per block of addresses a node takes); borrowing from another
            // node's, only when no block is left to claim, reads every block: a block that cannot be read is neither
            // taken from nor claimed again (which of its addresses are free is unknown)
            Optional<IpAddress> claimed = claimBlock(enabled, claimedBlocks(), node, handle, within);
            if (claimed.isPresent()) {
                return claimed.get();
            }
            Optional<Versioned<IpamBlock>> usable = store.survey(IpamBlock.class).items().stream()
                    .filter(block -> inAny(enabled, block) && firstFree(block.resource(), within).isPresent()).findFirst();
            if (usable.isPresent()) {
                return takeFree(usable.get(), enabled, handle, within);
            }
            throw new ValidationException("no free IPv" + version + " address in "
                    + (ranges.isEmpty() ? "any enabled pool" : String.join(", ", ranges.stream().map(Cidr::toString).toList())));
        });
    }

    /**
     * Completes the store's indexes now, not at the first operation that needs them: for a store written without them
     * (`bench generate`), which IPAM would have left indexed, so that no agent builds them from every block later.
     */
    public void completeIndexes() {
        index.ensure();
    }

    /**
     * Claims an empty block for the node ahead of need, when its blocks in the enabled pools of the IP version are short
     * of room ({@link BlockReserve}): the block {@link #autoAssign} would claim next, but never a pool's last unclaimed
     * block, which is left to an add that needs it (docs/ipam.md, "A block ready ahead of an add"). Guarded by the
     * node's affinity entries as listed, so that a claim by an add meanwhile makes this read again and find the room
     * that claim made.
     */
    public Reservation reserve(String node, int version) {
        return retried(() -> {
            List<Versioned<IpPool>> enabled = pools().stream()
                    .filter(pool -> !pool.resource().disabled() && pool.resource().cidr().version() == version).toList();
            if (enabled.isEmpty()) {
                return Reservation.ROOM;
            }
            index.ensure();
            Listing entries = store.datastore().list(Keys.affinityPrefix(node));
            if (!BlockReserve.isShort(enabled.stream().map(Versioned::resource).toList(),
                    index.affineBlocks(node).stream().map(Versioned::resource).toList())) {
                return Reservation.ROOM;
            }
            Set<Cidr> taken = claimedBlocks();
            for (Versioned<IpPool> pool : enabled) {
                List<Cidr> unclaimed = unclaimed(pool.resource().cidr(), pool.resource().blockSize(), taken, 2);
                if (unclaimed.size() == 2) {
                    IpamBlock claimed = new IpamBlock(unclaimed.getFirst(), node, Map.of());
                    store.commit(claiming(claimed, node, ResourceStore.unchangedOp(pool),
                            new Op.NoneNewer(Keys.affinityPrefix(node), entries.revision())));
                    return new Reservation(Optional.of(claimed.cidr()), true);
                }
            }
            return Reservation.NOTHING_TO_SPARE;
        });
    }

    /**
     * The CIDRs of every block record, read from their keys alone: a claim needs only which blocks exist, and decoding
     * every block with its allocations (a cluster's hundred thousand) on a per-container path would promote megabytes
     * into the agent's old generation for each claim (docs/ipam.md, "Session 69 (p-survey)"). A record whose value cannot
     * be read is taken as its key says; a key that names no CIDR is no block a claim could make, so it takes nothing.
     * Passing over a block the listing missed is no danger: the claim's create fails on the block's key, and the next
     * attempt lists again.
     */
    private Set<Cidr> claimedBlocks() {
        Set<Cidr> taken = new HashSet<>();
        for (String key : store.datastore().keys(Keys.prefix(IpamBlock.class))) {
            try {
                taken.add(Cidr.parse(Keys.nameOf(IpamBlock.class, key)));
            } catch (ValidationException e) {
                // no block's key: a claim writes its block under the key its CIDR gives
            }
        }
        return taken;
    }

    /**
     * What {@link #reserve} did: claimed a block, or nothing because the node has room enough (SHORT false), or nothing
     * although it is short, because no pool has two unclaimed blocks left.
     */
    public record Reservation(Optional<Cidr> claimed, boolean isShort) {
        public static final Reservation ROOM = new Reservation(Optional.empty(), false);
        public static final Reservation NOTHING_TO_SPARE = new Reservation(Optional.empty(), true);
    }

    /**
     * Up to {@code limit} of the range's blocks of this size that nobody has claimed, in address order: found within
     * (blocks already in the range + limit) steps.
     */
    private static List<Cidr> unclaimed(Cidr range, int blockSize, Set<Cidr> taken, int limit) {
        List<Cidr> found = new ArrayList<>();
        BigInteger count = range.subnetCount(blockSize);
        for (BigInteger i = BigInteger.ZERO; i.compareTo(count) < 0 && found.size() < limit; i = i.add(BigInteger.ONE)) {
            Cidr candidate = range.subnet(i, blockSize);
            if (!taken.contains(candidate)) {
                found.add(candidate);
            }
        }
        return found;
    }

    /** The given address for the handle; it must lie in an enabled pool and be free. */
    public void assign(IpAddress address, String node, String handle) {
        retried(() -> {
            index.ensure();
            Versioned<IpPool> pool = pools().stream()
                    .filter(p -> !p.resource().disabled() && p.resource().cidr().contains(address)).findFirst().orElseThrow(() ->
                    new ValidationException("address " + address + " is not in any enabled IP pool"));
            Cidr blockCidr = Cidr.containing(address, pool.resource().blockSize());
            Optional<Versioned<IpamBlock>> block = store.get(IpamBlock.class, blockCidr.toString());
            if (block.isEmpty()) {
                IpamBlock created = new IpamBlock(blockCidr, node, Map.of()).withAllocation(address, handle);
                store.commit(claiming(created, node, ResourceStore.unchangedOp(pool), IpamIndex.handleOp(handle, blockCidr)));
                return null;
            }
            String holder = block.get().resource().holderOf(address);
            if (holder != null) {
                throw new ValidationException("address " + address + " is already in use (by " + holder + ")");
            }
            store.commit(List.of(ResourceStore.updateOp(block.get().resource().withAllocation(address, handle), block.get().revision()),
                    ResourceStore.unchangedOp(pool), IpamIndex.handleOp(handle, blockCidr)));
            return null;
        });
    }

    /** Claims an empty block for the node ahead of any allocation, as a fabric that routes fixed ranges needs. */
    public IpamBlock claim(Cidr block, String node) {
        return retried(() -> {
            Versioned<IpPool> pool = pools().stream()
                    .filter(p -> !p.resource().disabled() && p.resource().cidr().contains(block)).findFirst()
                    .orElseThrow(() -> new ValidationException("block " + block + " is not in any enabled IP pool"));
            if (pool.resource().blockSize() != block.prefixLength()) {
                throw new ValidationException("block " + block + " does not have pool " + pool.resource().cidr()
                        + "'s block size /" + pool.resource().blockSize());
            }
            if (store.get(IpamBlock.class, block.toString()).isPresent()) {
                throw new ValidationException("block " + block + " is claimed already");
            }
            index.ensure();
            IpamBlock claimed = new IpamBlock(block, node, Map.of());
            store.commit(claiming(claimed, node, ResourceStore.unchangedOp(pool)));
            return claimed;
        });
    }

    /**
     * Frees the address and returns the handle that held it; refused while an endpoint uses the address or an
     * attachment under way holds it (that one's own undo releases it). The commit is guarded so that neither can
     * appear between the check and the release.
     */
    public String release(IpAddress address) {
        return release(address, null);
    }

    /**
     * As {@link #release(IpAddress)}, for a handle whose addresses only endpoints of {@code node} can use (docker's
     * IPAM on that node): only that node's endpoints and intents are read and guarded.
     */
    public String release(IpAddress address, String node) {
        return retried(() -> {
            index.ensure();
            Versioned<IpamBlock> block = blockHolding(address)
                    .orElseThrow(() -> new ValidationException("address " + address + " is not allocated"));
            String holder = block.resource().holderOf(address);
            if (holder == null) {
                throw new ValidationException("address " + address + " is not allocated");
            }
            String endpointPrefix = node == null ? Keys.prefix(WorkloadEndpoint.class) : Keys.nodePrefix(WorkloadEndpoint.class, node);
            Listing endpoints = store.datastore().list(endpointPrefix);
            ResourceStore.Surveyed<WorkloadEndpoint> read = ResourceStore.surveyed(WorkloadEndpoint.class, endpoints.items());
            if (!read.unreadable().isEmpty()) {
                // it may hold this address: freed, the address could be handed out while that endpoint still has it
                throw new ValidationException("address " + address + " may be used by an endpoint whose record cannot be read ("
                        + Shown.names(read.unreadable().stream().map(ResourceStore.Unreadable::key).toList())
                        + "); it stays allocated: 'jcalico delete WorkloadEndpoint NODE/ID' removes such a record first");
            }
            for (WorkloadEndpoint endpoint : read.resources()) {
                if (endpoint.endpointId().equals(holder) || endpoint.nets().contains(Cidr.host(address))) {
                    throw new ValidationException("address " + address + " is used by container " + endpoint.containerId()
                            + " on node " + endpoint.node() + ": 'jcalico container remove' releases it");
                }
            }
            String intentPrefix = node == null ? Keys.INTENTS : Keys.INTENTS + node + "/";
            Listing intents = store.datastore().list(intentPrefix);
            for (KeyValue intent : intents.items()) {
                if (intent.key().endsWith("/" + holder)) {
                    throw new ValidationException("address " + address + " is held by a container attachment under way ("
                            + intent.key().substring(Keys.INTENTS.length()) + "): it releases the address itself if it fails");
                }
            }
            IpamBlock updated = block.resource().withoutAllocation(address);
            List<Op> ops = new ArrayList<>(List.of(releasedOp(updated, block.revision()),
                    new Op.NoneNewer(endpointPrefix, endpoints.revision()), new Op.NoneNewer(intentPrefix, intents.revision())));
            ops.addAll(index.unneeded(updated, Set.of(holder)));
            store.commit(ops);
            return holder;
        });
    }

    /** Frees every address the handle holds; returns how many. */
    public int releaseHandle(String handle) {
        return Retries.run(() -> {
            index.ensure();
            int released = 0;
            for (IpamIndex.Held held : index.blocksOf(handle)) {
                Versioned<IpamBlock> block = held.block();
                IpamBlock updated = block.resource();
                for (var allocation : block.resource().allocations().entrySet()) {
                    if (allocation.getValue().equals(handle)) {
                        updated = updated.withoutAllocation(updated.cidr().addressAt(BigInteger.valueOf(allocation.getKey())));
                    }
                }
                store.commit(List.of(releasedOp(updated, block.revision()),
                        new Op.Delete(held.entry().key(), held.entry().modRevision())));
                released += block.resource().allocations().size() - updated.allocations().size();
            }
            return released;
        });
    }

    /**
     * The write of a block an address was released from: a block of no node (its node was removed while others held
     * addresses of it) goes with its last address, as `node remove` would have deleted it empty.
     */
    private static Op releasedOp(IpamBlock updated, long revision) {
        return updated.affinity() == null && updated.allocations().isEmpty() ? ResourceStore.deleteOp(updated, revision)
                : ResourceStore.updateOp(updated, revision);
    }

    /** The addresses the handle holds now. */
    public Set<IpAddress> addressesOf(String handle) {
        index.ensure();
        Set<IpAddress> addresses = new HashSet<>();
        for (IpamIndex.Held held : index.blocksOf(handle)) {
            IpamBlock block = held.block().resource();
            block.allocations().forEach((offset, holder) -> {
                if (holder.equals(handle)) {
                    addresses.add(block.cidr().addressAt(BigInteger.valueOf(offset)));
                }
            });
        }
        return addresses;
    }

    /** The blocks holding the handle's addresses, as read now: guards that those addresses are still the handle's. */
    public List<Op> heldBy(String handle, List<Cidr> addresses) {
        Map<Cidr, Versioned<IpamBlock>> blocks = new java.util.LinkedHashMap<>();
        for (Cidr address : addresses) {
            Optional<Versioned<IpamBlock>> block = blockHolding(address.network());
            if (block.isEmpty()) {
                continue;
            }
            if (!handle.equals(block.get().resource().holderOf(address.network()))) {
                throw new ValidationException("address " + address.network() + " is no longer held for " + handle);
            }
            blocks.putIfAbsent(block.get().resource().cidr(), block.get());
        }
        return blocks.values().stream().map(ResourceStore::unchangedOp).toList();
    }

    /** The block the address would be in, read by key: its pool says the block size. */
    private Optional<Versioned<IpamBlock>> blockHolding(IpAddress address) {
        return pools().stream().map(Versioned::resource).filter(pool -> pool.cidr().contains(address)).findFirst()
                .flatMap(pool -> store.get(IpamBlock.class, Cidr.containing(address, pool.blockSize()).toString()));
    }

    /**
     * Every pool with its blocks, in address order, and the pool and block records that cannot be read (a pool's
     * block among them, by its key's CIDR, leaves its use uncounted). The comparators are lambdas of this class, not
     * {@code Comparator.comparing}, whose serializable lambda the JVM makes at run time on every start (the start-up
     * cache keeps only plain ones): `pool list` paid for the JDK's lambda spinning there (docs/agent.md).
     */
    public Usage usage() {
        ResourceStore.Surveyed<IpamBlock> blockRecords = store.survey(IpamBlock.class);
        ResourceStore.Surveyed<IpPool> poolRecords = store.survey(IpPool.class);
        List<IpamBlock> blocks = blockRecords.resources().stream().sorted((a, b) -> a.cidr().compareTo(b.cidr())).toList();
        List<Cidr> unreadBlocks = cidrsOf(blockRecords.unreadable());
        List<PoolUsage> pools = inAddressOrder(poolRecords.resources()).stream()
                .map(pool -> new PoolUsage(pool, blocks.stream().filter(block -> pool.cidr().contains(block.cidr())).toList(),
                        (int) unreadBlocks.stream().filter(block -> pool.cidr().contains(block)).count()))
                .toList();
        List<ResourceStore.Unreadable> unreadable = new ArrayList<>(poolRecords.unreadable());
        unreadable.addAll(blockRecords.unreadable());
        return new Usage(pools, unreadable);
    }

    /**
     * Every pool in address order, and the pool records that cannot be read; no block is read (`pool list -o json`:
     * at 100,000 endpoints reading every block took the agent's warm-up 2.3 s of CPU just after its start, session 64).
     */
    public PoolsSurveyed survey() {
        ResourceStore.Surveyed<IpPool> records = store.survey(IpPool.class);
        return new PoolsSurveyed(inAddressOrder(records.resources()), records.unreadable());
    }

    /** The pools in address order, and the pool records that cannot be read. */
    public record PoolsSurveyed(List<IpPool> pools, List<ResourceStore.Unreadable> unreadable) {
        public PoolsSurveyed {
            pools = List.copyOf(pools);
            unreadable = List.copyOf(unreadable);
        }
    }

    private static List<IpPool> inAddressOrder(List<IpPool> pools) {
        return pools.stream().sorted((a, b) -> a.cidr().compareTo(b.cidr())).toList();
    }

    /** The CIDRs that block records which cannot be read are under (a key no block of jcalico's has names none). */
    private static List<Cidr> cidrsOf(List<ResourceStore.Unreadable> blocks) {
        List<Cidr> cidrs = new ArrayList<>();
        for (ResourceStore.Unreadable record : blocks) {
            try {
                cidrs.add(Cidr.parse(record.name()));
            } catch (ValidationException e) {
                // in no pool, shown as it is
            }
        }
        return cidrs;
    }

    /** The pools' use, and every pool and block record that cannot be read (the pools' first). */
    public record Usage(List<PoolUsage> pools, List<ResourceStore.Unreadable> unreadable) {
        public Usage {
            pools = List.copyOf(pools);
            unreadable = List.copyOf(unreadable);
        }
    }

    /** The pools, as this operation read them (see the class). */
    public List<Versioned<IpPool>> pools() {
        if (poolsRead == null) {
            poolsRead = store.list(IpPool.class);
        }
        return poolsRead;
    }

    /** An attempt of {@link Retries}, after whose conflict the pools are read again. */
    private <T> T retried(java.util.function.Supplier<T> attempt) {
        return Retries.run(() -> {
            try {
                return attempt.get();
            } catch (org.jcalico.datastore.ConflictException e) {
                poolsRead = null;
                throw e;
            }
        });
    }

    private IpAddress takeFree(Versioned<IpamBlock> block, List<Versioned<IpPool>> enabled, String handle, List<Cidr> within) {
        IpamBlock current = block.resource();
        IpAddress address = firstFree(current, within).orElseThrow();
        Versioned<IpPool> pool = enabled.stream().filter(p -> p.resource().cidr().contains(current.cidr())).findFirst().orElseThrow();
        store.commit(List.of(ResourceStore.updateOp(current.withAllocation(address, handle), block.revision()),
                ResourceStore.unchangedOp(pool), IpamIndex.handleOp(handle, current.cidr())));
        return address;
    }

    /** The block's lowest free address inside one of the ranges. */
    private static Optional<IpAddress> firstFree(IpamBlock block, List<Cidr> within) {
        for (Cidr range : within) {
            if (!range.overlaps(block.cidr())) {
                continue;
            }
            if (range.contains(block.cidr())) {
                if (block.free() > 0) {
                    return Optional.of(block.cidr().addressAt(BigInteger.valueOf(block.firstFreeOffset())));
                }
                continue;
            }
            int first = block.cidr().offsetOf(range.network()).intValueExact();
            for (int i = 0; BigInteger.valueOf(i).compareTo(range.size()) < 0; i++) {
                int offset = first + i;
                if (!block.allocations().containsKey(offset)) {
                    return Optional.of(block.cidr().addressAt(BigInteger.valueOf(offset)));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Claims the first unclaimed block that a range reaches, of the first pool that has one, with the block's first
     * address inside the range for the handle.
     */
    private Optional<IpAddress> claimBlock(List<Versioned<IpPool>> enabled, Set<Cidr> taken, String node,
                                           String handle, List<Cidr> within) {
        for (Versioned<IpPool> versioned : enabled) {
            IpPool pool = versioned.resource();
            for (Cidr range : within) {
                if (!pool.cidr().contains(range)) {
                    continue;
                }
                if (range.prefixLength() >= pool.blockSize()) {
                    Cidr candidate = Cidr.containing(range.network(), pool.blockSize());
                    if (!taken.contains(candidate)) {
                        return Optional.of(create(candidate, versioned, node, handle, range.network()));
                    }
                    continue;
                }
                List<Cidr> first = unclaimed(range, pool.blockSize(), taken, 1);
                if (!first.isEmpty()) {
                    return Optional.of(create(first.getFirst(), versioned, node, handle, first.getFirst().network()));
                }
            }
        }
        return Optional.empty();
    }

    private IpAddress create(Cidr block, Versioned<IpPool> pool, String node, String handle, IpAddress address) {
        IpamBlock created = new IpamBlock(block, node, Map.of()).withAllocation(address, handle);
        store.commit(claiming(created, node, ResourceStore.unchangedOp(pool), IpamIndex.handleOp(handle, block)));
        return address;
    }

    /**
     * A commit creating the block for the node, with its affinity entry and the other ops: guarded by the node's record
     * as read now (one read, once per block a node claims), so a `node remove` since fails it and the next attempt
     * finds the node gone. A name no node has gets no block: no agent would route it, and its blocks would stay taken
     * (a CNI configuration's `nodename` with a typo, a host whose agent never started; docs/ipam.md, session 42).
     */
    private List<Op> claiming(IpamBlock block, String node, Op... others) {
        List<Op> ops = new ArrayList<>(List.of(ResourceStore.createOp(block), IpamIndex.affinityOp(block)));
        ops.addAll(List.of(others));
        Optional<Versioned<Node>> record = store.get(Node.class, node);
        if (record.isEmpty()) {
            throw new ValidationException("node '" + node + "' is not registered: no address block is claimed for it"
                    + " (start its agent with 'jcalico node start')");
        }
        ops.add(ResourceStore.unchangedOp(record.get()));
        return ops;
    }

    /**
     * What giving up the node's blocks commits, for `node remove`: each block of the node deleted if empty, else kept
     * with no affinity (its addresses are held by others: borrowed, or docker's and CNI's handles), each with its
     * affinity entry; in shares that fit one commit with a few guards. {@code guard} fails a commit if a block was
     * claimed for the node since (with {@link #claiming}'s guard on the node's record, a claim and the remove cannot
     * both commit).
     */
    public record NodeBlocks(List<List<Op>> shares, Op guard) {
        public NodeBlocks {
            shares = List.copyOf(shares);
        }
    }

    /** The node's blocks to give up, read by its affinity index. */
    public NodeBlocks blocksOfNode(String node) {
        index.ensure();
        Listing entries = store.datastore().list(Keys.affinityPrefix(node));
        List<List<Op>> shares = new ArrayList<>();
        List<Op> share = new ArrayList<>();
        for (KeyValue entry : entries.items()) {
            Optional<Versioned<IpamBlock>> block = store.get(IpamBlock.class, entry.value());
            if (block.isPresent() && node.equals(block.get().resource().affinity())) {
                IpamBlock held = block.get().resource();
                share.add(held.allocations().isEmpty() ? ResourceStore.deleteOp(held, block.get().revision())
                        : ResourceStore.updateOp(new IpamBlock(held.cidr(), null, held.allocations()), block.get().revision()));
            }
            share.add(new Op.Delete(entry.key(), entry.modRevision()));
            if (share.size() >= 2 * RELEASES_PER_COMMIT - 1) {
                shares.add(share);
                share = new ArrayList<>();
            }
        }
        if (!share.isEmpty()) {
            shares.add(share);
        }
        return new NodeBlocks(shares, new Op.NoneNewer(Keys.affinityPrefix(node), entries.revision()));
    }

    private static boolean inAny(List<Versioned<IpPool>> pools, Versioned<IpamBlock> block) {
        return pools.stream().anyMatch(pool -> pool.resource().cidr().contains(block.resource().cidr()));
    }
}
