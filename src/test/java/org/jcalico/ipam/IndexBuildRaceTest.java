package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.nodes.NodeService;
import org.jcalico.testing.Backends;
import org.jcalico.testing.CommitGate;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two processes building IPAM's indexes of an older store at once (the first IPAM operations after an upgrade): the
 * slower one must not write back an entry the other's index already had and a release has since deleted. Before, it
 * did: the handle's entry named a block that no longer held the handle's address, and `pool remove` (which does not
 * list every handle's entries) left it behind for good, an entry of a range that is no pool's any more.
 */
class IndexBuildRaceTest {
    private static final Cidr POOL = Cidr.parse("10.73.0.0/16");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void aSlowIndexBuildDoesNotWriteBackAnEntryAReleaseDeleted(String backend) throws Exception {
        Backends.on(backend, dir, datastore -> {
            ResourceStore store = new ResourceStore(datastore);
            new Pools(store).add(new IpPool(POOL, false, 26, false));
            new NodeService(store).register("n1", IpAddress.parse("192.0.2.1"), null, null);
            // a store an older jcalico wrote: a block with an address of the handle, and no index
            store.create(new IpamBlock(Cidr.parse("10.73.0.0/26"), "n1", Map.of(3, "c1")));
            assertTrue(datastore.get(Keys.IPAM_INDEXED).isEmpty());

            // a process building the index is overtaken, after its listing, by another that builds it too and releases c1's address
            CommitGate slow = new CommitGate(datastore, CommitGate.writing(Keys.INDEXES), () ->
                    assertEquals(1, new Ipam(new ResourceStore(datastore)).releaseHandle("c1")));
            assertEquals(Set.of(), new Ipam(new ResourceStore(slow)).addressesOf("c2"));
            assertTrue(slow.opened());

            assertEquals(List.of(), keys(datastore, Keys.handlePrefix("c1")), "c1 holds nothing: no entry says it does");
            new Pools(store).remove(POOL);
            assertEquals(List.of(Keys.IPAM_INDEXED), keys(datastore, Keys.INDEXES), "the removed pool left no entry");
        });
    }

    private static List<String> keys(Datastore datastore, String prefix) {
        return datastore.list(prefix).items().stream().map(KeyValue::key).toList();
    }
}
