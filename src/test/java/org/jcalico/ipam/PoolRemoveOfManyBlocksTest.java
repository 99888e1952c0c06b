package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.ValidationException;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `pool remove` of a pool that many nodes have used: more empty blocks than etcd takes operations in one transaction
 * (128 unless started otherwise). Before, the one commit of the pool and all its blocks was refused by etcd every
 * time, so such a pool could never be removed.
 */
class PoolRemoveOfManyBlocksTest {
    private static final Cidr POOL = Cidr.parse("10.70.0.0/16");
    private static final int BLOCKS = 300;

    @TempDir
    Path dir;

    @Test
    void onTheEmbeddedStore() {
        removesEveryBlockAndRefusesWhileOneAddressIsAllocated("embedded:" + dir.resolve("pools.db"));
    }

    @Test
    void onEtcdWithItsDefaultTransactionLimit() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            removesEveryBlockAndRefusesWhileOneAddressIsAllocated(etcd.url());
        }
    }

    private static void removesEveryBlockAndRefusesWhileOneAddressIsAllocated(String url) {
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            Pools pools = new Pools(store);
            Ipam ipam = new Ipam(store);
            pools.add(new IpPool(POOL, false, 26, false));
            org.jcalico.testing.RegisteredNodes.register(store, "node1", "node2", "node3");
            for (int i = 0; i < BLOCKS; i++) {
                ipam.claim(Cidr.parse("10.70." + i / 4 + "." + i % 4 * 64 + "/26"), "node" + (1 + i % 3));
            }
            IpAddress held = ipam.autoAssign("node3", 4, "last");

            var before = datastore.list("");
            assertEquals("pool 10.70.0.0/16 still has 1 allocated address; release them first (jcalico ipam show)",
                    assertThrows(ValidationException.class, () -> pools.remove(POOL)).getMessage());
            assertEquals(before, datastore.list(""), "a refused removal changes nothing");

            ipam.release(held);
            pools.remove(POOL);
            assertEquals(List.of(), pools.list());
            assertEquals(List.of(), store.list(IpamBlock.class).stream().map(Versioned::resource).toList(), "its blocks went too");
        }
    }
}
