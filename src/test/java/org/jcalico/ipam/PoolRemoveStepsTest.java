package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.testing.Backends;
import org.jcalico.testing.CommitGate;
import org.jcalico.testing.Kill;
import org.jcalico.testing.RegisteredNodes;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * `pool remove` leaves nothing of the pool behind, and one killed between its steps (a pool of more blocks than one
 * commit takes) is finished by the next run, nothing allocated from the pool meanwhile. Before, the blocks' affinity
 * entries stayed in IPAM's index for good, and while a cut-short removal waited for its next run the pool still gave
 * out addresses, which then refused that run ("still has 1 allocated address"). On the embedded store and a real etcd
 * (128 operations in a transaction).
 */
class PoolRemoveStepsTest {
    private static final Cidr POOL = Cidr.parse("10.73.0.0/16");
    private static final Cidr OTHER = Cidr.parse("10.74.0.0/16");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void removeLeavesNoIndexEntryOfTheBlocks(String backend) throws Exception {
        Backends.on(backend, dir, datastore -> {
            for (int blocks : List.of(3, 150)) {
                ResourceStore store = new ResourceStore(datastore);
                claimed(store, blocks);
                Ipam ipam = new Ipam(store);
                ipam.release(ipam.autoAssign("n1", 4, "w1"));

                new Pools(store).remove(POOL);

                assertEquals(List.of(), new Pools(store).list());
                assertEquals(Map.of(), blocks(store));
                assertEquals(List.of(), keys(datastore, Keys.INDEXES + "ipam/affinities/"), "no affinity entry is left");
                assertEquals(List.of(), keys(datastore, Keys.INDEXES + "ipam/handles/"), "no handle entry is left");
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void aRemoveKilledBetweenStepsGivesOutNothingMeanwhileAndTheNextRunFinishes(String backend) throws Exception {
        Backends.on(backend, dir, datastore -> {
            ResourceStore store = new ResourceStore(datastore);
            claimed(store, 300);
            new Pools(store).add(new IpPool(OTHER, false, 26, false));
            CommitGate killedAtSecondStep = Kill.before(datastore, CommitGate.writing(Keys.prefix(IpamBlock.class)), 2);
            assertThrows(Kill.Killed.class, () -> new Pools(new ResourceStore(killedAtSecondStep)).remove(POOL));
            assertTrue(blocks(store).size() < 300, "the first step deleted blocks");

            // meanwhile: n1 and a node new to the pool allocate, from the other pool only
            Ipam ipam = new Ipam(store);
            assertTrue(OTHER.contains(ipam.autoAssign("n1", 4, "w1")), "n1 allocates from the other pool");
            assertTrue(OTHER.contains(ipam.autoAssign("n3", 4, "w3")), "n3 allocates from the other pool");

            new Pools(store).remove(POOL);

            assertEquals(List.of(OTHER), new Pools(store).list().stream().map(IpPool::cidr).toList());
            assertEquals(Map.of(Cidr.parse("10.74.0.0/26"), "n1", Cidr.parse("10.74.0.64/26"), "n3"), blocks(store));
            assertEquals(List.of(Keys.affinity("n1", "10.74.0.0/26"), Keys.affinity("n3", "10.74.0.64/26")),
                    keys(datastore, Keys.INDEXES + "ipam/affinities/"), "only the other pool's blocks have entries");
            assertEquals(List.of(OTHER), new Ipam(store).usage().pools().stream().map(usage -> usage.pool().cidr()).toList(), "ipam show");
        });
    }

    /**
     * Two processes building IPAM's indexes of an older store at once (the first IPAM operations after an upgrade):
     * the slower one must not write back an entry the other's index had and a release has deleted since. Before, it
     * did: the handle's entry named a block that no longer held its address, and `pool remove` (which does not list
     * every handle's entries) left it behind for good, an entry of a range that is no pool's any more.
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void removeLeavesNoHandleEntryThatARacingIndexBuildWroteBack(String backend) throws Exception {
        Backends.on(backend, dir, datastore -> {
            ResourceStore store = new ResourceStore(datastore);
            new Pools(store).add(new IpPool(POOL, false, 26, false));
            RegisteredNodes.register(store, "n1");
            // a store an older jcalico wrote: a block with an address of the handle c1, and no index
            store.create(new IpamBlock(Cidr.parse("10.73.0.0/26"), "n1", Map.of(3, "c1")));
            assertTrue(datastore.get(Keys.IPAM_INDEXED).isEmpty());

            // a process building the index is overtaken, after its listing, by another that builds it and releases c1
            CommitGate slow = new CommitGate(datastore, CommitGate.writing(Keys.INDEXES), () ->
                    assertEquals(1, new Ipam(new ResourceStore(datastore)).releaseHandle("c1")));
            assertEquals(java.util.Set.of(), new Ipam(new ResourceStore(slow)).addressesOf("c2"));
            assertTrue(slow.opened());

            assertEquals(List.of(), keys(datastore, Keys.handlePrefix("c1")), "c1 holds nothing: no entry says it does");
            new Pools(store).remove(POOL);
            assertEquals(List.of(Keys.IPAM_INDEXED), keys(datastore, Keys.INDEXES), "the removed pool left no entry");
        });
    }

    /** The pool of /26 blocks with {@code count} empty blocks claimed by n1, n2 and n3 in turn. */
    private static void claimed(ResourceStore store, int count) {
        new Pools(store).add(new IpPool(POOL, false, 26, false));
        if (store.list(org.jcalico.model.Node.class).isEmpty()) {
            RegisteredNodes.register(store, "n1", "n2", "n3");
        }
        Ipam ipam = new Ipam(store);
        for (int i = 0; i < count; i++) {
            ipam.claim(Cidr.parse("10.73." + i / 4 + "." + i % 4 * 64 + "/26"), "n" + (1 + i % 3));
        }
    }

    /** Each block with its node. */
    private static Map<Cidr, String> blocks(ResourceStore store) {
        Map<Cidr, String> blocks = new TreeMap<>();
        store.list(IpamBlock.class).forEach(block -> blocks.put(block.resource().cidr(), block.resource().affinity()));
        return blocks;
    }

    private static List<String> keys(Datastore datastore, String prefix) {
        return datastore.list(prefix).items().stream().map(KeyValue::key).toList();
    }
}
