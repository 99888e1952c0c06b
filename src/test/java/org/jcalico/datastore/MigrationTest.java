package org.jcalico.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpPool;
import org.jcalico.model.Profile;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
    @TempDir
    Path dir;

    @Test
    void everyResourceMovesFromTheEmbeddedStoreToEtcdAndANonEmptyTargetIsRefused() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start();
             Datastore from = Datastores.open("embedded:" + dir.resolve("old.db"));
             Datastore to = Datastores.open(etcd.url())) {
            ResourceStore source = new ResourceStore(from);
            new Pools(source).add(new IpPool(Cidr.parse("10.65.0.0/16"), true, null, false));
            org.jcalico.testing.RegisteredNodes.register(source, "h1");
            new Ipam(source).autoAssign("h1", 4, "e1");
            source.create(Profile.securityGroup("web"));
            source.create(new EndpointStatus("h1", "e1", EndpointStatus.State.programmed, null, 1L));
            // the pool, the node, the block, the profile, IPAM's index entries (the block's affinity, the handle's block,
            // the marker) and the endpoint's status
            assertEquals(8, Migration.copy(from, to, false));
            List<String> keys = to.list(Keys.ROOT).items().stream().map(KeyValue::key).toList();
            assertEquals(from.list(Keys.ROOT).items().stream().map(KeyValue::key).toList(), keys);
            assertEquals(from.get(keys.get(0)).orElseThrow().value(), to.get(keys.get(0)).orElseThrow().value());
            assertEquals(from.list(Keys.INDEXES).items().stream().map(KeyValue::key).toList(),
                    to.list(Keys.INDEXES).items().stream().map(KeyValue::key).toList(), "IPAM's index moves too");
            assertEquals(List.of(Keys.STATUS_ROOT + "endpoints/h1/e1"),
                    to.list(Keys.STATUS_ROOT).items().stream().map(KeyValue::key).toList(), "the endpoints' status moves too");
            var refused = assertThrows(DatastoreException.class, () -> Migration.copy(from, to, false));
            assertTrue(refused.getMessage().contains("already holds 8 jcalico keys"), refused.getMessage());
        }
    }
}
