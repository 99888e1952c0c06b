package org.jcalico.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.cni.CniError;
import org.jcalico.cni.CniRequest;
import org.jcalico.cni.JcalicoIpam;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No IPAM block becomes affine to a name no node has, and `node remove` gives up the blocks of such a name that a
 * store already holds. Before, jcalico-ipam (a CNI configuration's `nodename` with a typo, a host whose agent never
 * started), docker's IPAM and a block claim took a block for any name: no agent routed it, and `node remove` of the
 * name answered "does not exist", so its blocks (and their addresses' range) stayed taken for good. On the embedded
 * store and a real etcd.
 */
class UnregisteredNamesBlocksTest {
    private static final Cidr POOL = Cidr.parse("10.72.0.0/16");

    @TempDir
    Path dir;

    /** The pool of /26 blocks, node n1 registered, and IPAM's indexes built (as any allocation builds them). */
    private static ResourceStore withNode(Datastore datastore) {
        ResourceStore store = new ResourceStore(datastore);
        new Pools(store).add(new IpPool(POOL, false, 26, false));
        new NodeService(store).register("n1", IpAddress.parse("192.0.2.1"), null, null);
        new Ipam(store).addressesOf("none");
        return store;
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void jcalicoIpamRefusesANodenameNoNodeHasAndClaimsNothing(String backend) throws Exception {
        Backends.on(backend, dir, datastore -> {
            ResourceStore store = withNode(datastore);
            var before = datastore.list("");

            CniError refused = assertThrows(CniError.class, () -> new JcalicoIpam(store, "nl").add(cniAdd("c1")));

            assertEquals("cannot assign addresses: node 'nl' is not registered: no address block is claimed for it"
                    + " (start its agent with 'jcalico node start')", refused.getMessage());
            assertEquals(before, datastore.list(""), "a refused ADD changes nothing");
            // the registered node's ADD still works
            new JcalicoIpam(store, "n1").add(cniAdd("c2"));
            assertEquals(Map.of(Cidr.parse("10.72.0.0/26"), "n1"), affinities(store));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void noAllocationOrClaimMakesABlockAffineToANameNoNodeHas(String backend) throws Exception {
        Backends.on(backend, dir, datastore -> {
            ResourceStore store = withNode(datastore);
            Ipam ipam = new Ipam(store);
            var before = datastore.list("");
            String refusal = "node 'nl' is not registered: no address block is claimed for it (start its agent with 'jcalico node start')";

            assertEquals(refusal, assertThrows(ValidationException.class, () -> ipam.autoAssign("nl", 4, "h1")).getMessage());
            assertEquals(refusal, assertThrows(ValidationException.class,
                    () -> ipam.assign(IpAddress.parse("10.72.1.1"), "nl", "h1")).getMessage());
            assertEquals(refusal, assertThrows(ValidationException.class,
                    () -> ipam.claim(Cidr.parse("10.72.2.0/26"), "nl")).getMessage());

            assertEquals(before, datastore.list(""), "nothing is written");
        });
    }

    /**
     * A store written before this check (or by an older jcalico's node removal) holds blocks affine to a name no node
     * has: `node remove NAME` gives them up as it does a registered node's, the empty one deleted, the one whose
     * address another handle holds kept with no node.
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void nodeRemoveGivesUpTheBlocksOfANameNoNodeHas(String backend) throws Exception {
        Backends.on(backend, dir, datastore -> {
            ResourceStore store = withNode(datastore);
            new NodeService(store).register("gone", IpAddress.parse("192.0.2.9"), null, null);
            Ipam ipam = new Ipam(store);
            ipam.claim(Cidr.parse("10.72.3.0/26"), "gone");
            ipam.assign(IpAddress.parse("10.72.4.7"), "gone", "cni:gone:net1:c9:eth0");
            // its record deleted as an older jcalico's `node remove` or `delete node` did, blocks and all left
            var record = store.get(Node.class, "gone").orElseThrow();
            store.delete(record.resource(), record.revision());

            new NodeService(store).remove("gone");

            assertEquals(Map.of(Cidr.parse("10.72.4.0/26"), "-"), affinities(store), "the held block has no node, the empty one went");
            assertTrue(datastore.list(Keys.affinityPrefix("gone")).items().isEmpty(), "its affinity entries went");
            assertEquals("node 'gone' does not exist", assertThrows(ValidationException.class,
                    () -> new NodeService(store).remove("gone")).getMessage());
            assertEquals("node 'nothing' does not exist", assertThrows(ValidationException.class,
                    () -> new NodeService(store).remove("nothing")).getMessage());
        });
    }

    private static CniRequest cniAdd(String container) {
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-ipam\"}";
        return CniRequest.parse(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", container, "CNI_NETNS", "/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", "/nonexistent"), config.getBytes(StandardCharsets.UTF_8));
    }

    /** Each block with its node ("-": none), as `ipam show` prints them. */
    private static Map<Cidr, String> affinities(ResourceStore store) {
        Map<Cidr, String> blocks = new TreeMap<>();
        store.list(IpamBlock.class).forEach(block -> blocks.put(block.resource().cidr(),
                block.resource().affinity() == null ? "-" : block.resource().affinity()));
        return blocks;
    }
}
