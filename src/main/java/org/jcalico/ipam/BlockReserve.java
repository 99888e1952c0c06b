package org.jcalico.ipam;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;

/**
 * When a node is short of room and claims its next block ahead of an add (docs/ipam.md, "A block ready ahead of an
 * add"): the rule alone, so that the agent's loop, reading its cache, and {@link Ipam#reserve}, reading the store, ask
 * the same question.
 */
public final class BlockReserve {
    private BlockReserve() {
    }

    /**
     * The IP versions that have an enabled pool and in whose enabled pools the node's blocks hold fewer free addresses
     * than {@link #mark}.
     */
    public static Set<Integer> shortVersions(List<IpPool> pools, List<IpamBlock> nodeBlocks) {
        Set<Integer> versions = new TreeSet<>();
        for (int version : List.of(4, 6)) {
            List<IpPool> enabled = pools.stream().filter(pool -> !pool.disabled() && pool.cidr().version() == version).toList();
            if (!enabled.isEmpty() && isShort(enabled, nodeBlocks)) {
                versions.add(version);
            }
        }
        return versions;
    }

    /** Whether the node's blocks in these enabled pools (of one IP version) hold fewer free addresses than the mark. */
    static boolean isShort(List<IpPool> enabled, List<IpamBlock> nodeBlocks) {
        int room = nodeBlocks.stream()
                .filter(block -> enabled.stream().anyMatch(pool -> pool.cidr().contains(block.cidr())))
                .mapToInt(IpamBlock::free).sum();
        return room < mark(enabled);
    }

    /**
     * A quarter of the largest block of these pools, at least 1 (16 addresses of a /26): the order the pools are
     * listed in does not change it, so the cache's and the store's listings agree.
     */
    static int mark(List<IpPool> enabled) {
        int bits = enabled.stream().mapToInt(pool -> pool.cidr().network().bits() - pool.blockSize()).max().orElse(0);
        return Math.max(1, (1 << bits) / 4);
    }
}
