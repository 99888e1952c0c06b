package org.jcalico.ipam;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpamBlock;

/**
 * IPAM's per-node and per-handle indexes, kept in the datastore beside the blocks (as Calico keeps a host's block
 * affinities and its handles), so that a container's add and remove read the few blocks they touch by key, whatever
 * the cluster's size. Each entry is a key holding a block's CIDR: {@code ipam/affinities/NODE/BLOCK} for every block
 * affine to NODE, {@code ipam/handles/HANDLE/BLOCK} for every block holding an address of HANDLE. The indexes are
 * complete once {@code ipam/indexed} exists: every commit that creates a block or gives an address to a handle writes
 * its entry in the same commit. An entry may outlive what it points at (a release that left it, an index built from
 * an older listing): readers check the block and drop such an entry.
 */
final class IpamIndex {
    /** etcd refuses transactions of more than 128 operations unless told otherwise. */
    private static final int BATCH = 100;
    private final ResourceStore store;
    private final Datastore datastore;

    IpamIndex(ResourceStore store) {
        this.store = store;
        this.datastore = store.datastore();
    }

    /** The entries to write with a commit that creates the block for the node. */
    static Op affinityOp(IpamBlock block) {
        return new Op.Put(Keys.affinity(block.affinity(), block.cidr().toString()), block.cidr().toString());
    }

    /** The entry to write with a commit that gives the handle an address of the block. */
    static Op handleOp(String handle, Cidr block) {
        return new Op.Put(Keys.handleBlock(handle, block.toString()), block.toString());
    }

    /**
     * Makes sure the indexes are complete: one read when they are. A store written before them (or by `bench
     * generate`) is indexed once, from one listing of every block, by whichever process needs it first. A block that
     * cannot be read gets no entry, as {@link #read} skips one: its range stays taken by its key (a claim lists the
     * blocks' keys), none of its addresses is handed out or freed, and the adds and removes of every node go on.
     */
    void ensure() {
        if (datastore.get(Keys.IPAM_INDEXED).isPresent()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            Listing listing = datastore.list(Keys.prefix(IpamBlock.class));
            List<Op> entries = new ArrayList<>();
            for (IpamBlock block : ResourceStore.surveyed(IpamBlock.class, listing.items()).resources()) {
                if (block.affinity() != null) {
                    entries.add(affinityOp(block));
                }
                new LinkedHashSet<>(block.allocations().values()).forEach(handle -> entries.add(handleOp(handle, block.cidr())));
            }
            try {
                for (int from = 0; from < entries.size(); from += BATCH - 1) {
                    // only while the indexes are incomplete: once another process completed them, a release may have
                    // deleted an entry this (older) listing still has, which written back would name an address freed
                    List<Op> batch = new ArrayList<>(entries.subList(from, Math.min(from + BATCH - 1, entries.size())));
                    batch.add(new Op.Absent(Keys.IPAM_INDEXED));
                    datastore.commit(batch);
                }
                // complete only if no block appeared or changed since the listing the entries came from
                datastore.commit(List.of(new Op.Create(Keys.IPAM_INDEXED, "1"),
                        ResourceStore.noneNewerOp(IpamBlock.class, listing.revision())));
                return;
            } catch (ConflictException e) {
                if (datastore.get(Keys.IPAM_INDEXED).isPresent()) {
                    return;
                }
                if (attempt == 20) {
                    throw e;
                }
            }
        }
    }

    /** The blocks affine to the node, in key order, read by key. */
    List<Versioned<IpamBlock>> affineBlocks(String node) {
        List<Versioned<IpamBlock>> blocks = new ArrayList<>();
        for (KeyValue entry : datastore.list(Keys.affinityPrefix(node)).items()) {
            ResourceStore.Surveyed<IpamBlock> read = read(entry);
            if (!read.unreadable().isEmpty()) {
                continue;
            }
            Optional<Versioned<IpamBlock>> block = read.items().stream().findFirst();
            if (block.isPresent() && node.equals(block.get().resource().affinity())) {
                blocks.add(block.get());
            } else {
                dropStale(entry);
            }
        }
        return blocks;
    }

    /**
     * The affinity entries naming a block inside the range (a pool being removed), whatever node they are under and
     * whether or not the block still exists: one listing of every node's entries, as many as the cluster's blocks.
     */
    List<KeyValue> affinityEntriesIn(Cidr range) {
        return datastore.list(Keys.IPAM_AFFINITIES).items().stream()
                .filter(entry -> range.contains(Cidr.parse(entry.value()))).toList();
    }

    /** An entry of the handle's index with the block it points at, if that block still holds an address of the handle. */
    record Held(KeyValue entry, Versioned<IpamBlock> block) {
    }

    /** The blocks holding addresses of the handle, read by key. */
    List<Held> blocksOf(String handle) {
        List<Held> held = new ArrayList<>();
        for (KeyValue entry : datastore.list(Keys.handlePrefix(handle)).items()) {
            ResourceStore.Surveyed<IpamBlock> read = read(entry);
            if (!read.unreadable().isEmpty()) {
                continue;
            }
            Optional<Versioned<IpamBlock>> block = read.items().stream().findFirst();
            if (block.isPresent() && block.get().resource().allocations().containsValue(handle)) {
                held.add(new Held(entry, block.get()));
            } else {
                dropStale(entry);
            }
        }
        return held;
    }

    /** The handles' entries for the block that no allocation of it needs any more: to delete with the block's update. */
    List<Op> unneeded(IpamBlock updated, Set<String> handles) {
        List<Op> deletes = new ArrayList<>();
        for (String handle : handles) {
            if (!updated.allocations().containsValue(handle)) {
                datastore.get(Keys.handleBlock(handle, updated.cidr().toString()))
                        .ifPresent(entry -> deletes.add(new Op.Delete(entry.key(), entry.modRevision())));
            }
        }
        return deletes;
    }

    /**
     * The block an entry points at, read apart: one that cannot be read keeps its entry and is skipped, neither taken
     * from nor freed in (which of its addresses are in use is unknown until `jcalico delete IPAMBlock` rebuilds it),
     * so it stops no add or remove of the node's other blocks.
     */
    private ResourceStore.Surveyed<IpamBlock> read(KeyValue entry) {
        return ResourceStore.surveyed(IpamBlock.class,
                datastore.get(Keys.keyOf(IpamBlock.class, entry.value())).stream().toList());
    }

    private void dropStale(KeyValue entry) {
        try {
            datastore.delete(entry.key(), entry.modRevision());
        } catch (ConflictException e) {
            // rewritten meanwhile by an allocation that needs it, or dropped by another reader
        }
    }
}
