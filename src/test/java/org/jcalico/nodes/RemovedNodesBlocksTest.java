package org.jcalico.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;
import org.jcalico.testing.Backends;
import org.jcalico.testing.CommitGate;
import org.jcalico.testing.Kill;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * `node remove` gives up the node's IPAM blocks, and no block is claimed for a node once it is removed. Before, the
 * blocks of a removed node stayed affine to it (another node took an address of them only once the pools had no
 * unclaimed block left), and a `container add` on the node that claimed a block while the node was removed left that
 * block behind. The races are played at their one step with {@link CommitGate}, on the embedded store and a real etcd
 * (whose transactions take 128 operations: a node of many blocks gives them up in steps).
 */
class RemovedNodesBlocksTest {
    private static final Cidr POOL = Cidr.parse("10.71.0.0/16");

    @TempDir
    Path dir;

    private void on(String backend, Consumer<Datastore> test) throws Exception {
        Backends.on(backend, dir, store -> test.accept(withNodes(store)));
    }

    /** The pool of /26 blocks, and nodes n1 and n2 registered. */
    private static Datastore withNodes(Datastore store) {
        ResourceStore resources = new ResourceStore(store);
        new Pools(resources).add(new IpPool(POOL, false, 26, false));
        new NodeService(resources).register("n1", IpAddress.parse("192.0.2.1"), null, null);
        new NodeService(resources).register("n2", IpAddress.parse("192.0.2.2"), null, null);
        return store;
    }

    /** 150 blocks of n1 (more than one etcd transaction takes), one of them holding an address n2 borrowed. */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void removeGivesUpEveryBlockOfTheNode(String backend) throws Exception {
        on(backend, datastore -> {
            ResourceStore store = new ResourceStore(datastore);
            Ipam ipam = claimedByN1(store, 150);
            ipam.claim(block(200), "n2");
            ipam.assign(IpAddress.parse("10.71.0.5"), "n2", "borrowed");

            new NodeService(store).remove("n1");

            assertTrue(store.get(Node.class, "n1").isEmpty());
            assertEquals(Map.of(block(0), new IpamBlock(block(0), null, Map.of(5, "borrowed")),
                    block(200), new IpamBlock(block(200), "n2", Map.of())), blocks(store));
            assertTrue(datastore.list(Keys.affinityPrefix("n1")).items().isEmpty(), "n1's affinity entries are gone");
            // n1's former ranges are free to claim, and the block of no node goes with its last address
            assertEquals(new IpamBlock(block(1), "n2", Map.of()), ipam.claim(block(1), "n2"));
            assertEquals("borrowed", ipam.release(IpAddress.parse("10.71.0.5")));
            assertEquals(java.util.Set.of(block(1), block(200)), blocks(store).keySet());
        });
    }

    /** An add on n1 claims a block just before `node remove` deletes n1: the remove reads again and gives it up too. */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void aBlockClaimedWhileTheRemoveChecksIsGivenUpToo(String backend) throws Exception {
        on(backend, datastore -> {
            CommitGate gate = new CommitGate(datastore, CommitGate.writing(Keys.keyOf(Node.class, "n1")),
                    () -> new Ipam(new ResourceStore(datastore)).claim(block(3), "n1"));
            new NodeService(new ResourceStore(gate)).remove("n1");

            assertTrue(gate.opened());
            ResourceStore store = new ResourceStore(datastore);
            assertTrue(store.get(Node.class, "n1").isEmpty());
            assertEquals(Map.of(), blocks(store));
        });
    }

    /** `node remove` runs just before an add on n1 claims its block: the claim is refused and nothing is left. */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void noBlockIsClaimedForANodeRemovedMeanwhile(String backend) throws Exception {
        on(backend, datastore -> {
            CommitGate gate = new CommitGate(datastore, CommitGate.writing(Keys.prefix(IpamBlock.class)),
                    () -> new NodeService(new ResourceStore(datastore)).remove("n1"));
            ValidationException refused = assertThrows(ValidationException.class,
                    () -> new Ipam(new ResourceStore(gate)).autoAssign("n1", 4, "w1"));

            assertTrue(gate.opened());
            assertEquals("node 'n1' is not registered: no address block is claimed for it (start its agent with 'jcalico node start')", refused.getMessage());
            ResourceStore store = new ResourceStore(datastore);
            assertEquals(Map.of(), blocks(store));
            assertTrue(datastore.list(Keys.affinityPrefix("n1")).items().isEmpty());
        });
    }

    /**
     * `node remove` killed between its steps (session 42): the node stays registered with fewer blocks, allocations go
     * on (its own from the blocks it still has, another node's as before), and the next run finishes. Passed on the
     * base too: a step alone is a valid state.
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void aRemoveKilledBetweenStepsIsFinishedByTheNextRun(String backend) throws Exception {
        on(backend, datastore -> {
            ResourceStore store = new ResourceStore(datastore);
            claimedByN1(store, 150);
            CommitGate killedAtSecondStep = Kill.before(datastore, CommitGate.writing(Keys.affinityPrefix("n1")), 2);
            assertThrows(Kill.Killed.class, () -> new NodeService(new ResourceStore(killedAtSecondStep)).remove("n1"));
            assertTrue(store.get(Node.class, "n1").isPresent(), "n1 is still registered");
            assertEquals(90, blocks(store).size(), "the first step gave up 60 blocks");

            IpAddress own = new Ipam(store).autoAssign("n1", 4, "w1");
            IpAddress other = new Ipam(store).autoAssign("n2", 4, "w2");
            assertEquals("n1", blocks(store).get(Cidr.containing(own, 26)).affinity(), "n1 takes from a block it still has");
            assertEquals("n2", blocks(store).get(Cidr.containing(other, 26)).affinity());

            new NodeService(store).remove("n1");

            assertTrue(store.get(Node.class, "n1").isEmpty());
            assertEquals(Map.of(Cidr.containing(own, 26), new IpamBlock(Cidr.containing(own, 26), null, Map.of(0, "w1")),
                    Cidr.containing(other, 26), new IpamBlock(Cidr.containing(other, 26), "n2", Map.of(0, "w2"))), blocks(store));
            assertTrue(datastore.list(Keys.affinityPrefix("n1")).items().isEmpty(), "n1's affinity entries are gone");
        });
    }

    /** The first {@code count} blocks claimed by n1 (more than 60: more than one etcd transaction gives up). */
    private static Ipam claimedByN1(ResourceStore store, int count) {
        Ipam ipam = new Ipam(store);
        for (int i = 0; i < count; i++) {
            ipam.claim(block(i), "n1");
        }
        return ipam;
    }

    private static Cidr block(int index) {
        return Cidr.parse("10.71." + index / 4 + "." + index % 4 * 64 + "/26");
    }

    private static Map<Cidr, IpamBlock> blocks(ResourceStore store) {
        Map<Cidr, IpamBlock> blocks = new TreeMap<>();
        store.list(IpamBlock.class).forEach(block -> blocks.put(block.resource().cidr(), block.resource()));
        return blocks;
    }
}
