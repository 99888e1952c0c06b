package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;
import org.jcalico.nodes.NodeService;
import org.jcalico.resources.ResourceService;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool never covers a node's own address (docs/ipam.md, session 58, t-route): BIRD imports every route inside the
 * pools from every peer, so such a pool lets a peer announce a node's address and take its packets. Refused from both
 * sides, `pool add`/`apply` of a pool and a node's registration/`apply`, on both backends, with nothing written.
 */
class PoolOverNodeAddressTest {
    @TempDir
    Path dir;

    @Test
    void refusedFromBothSidesOnTheEmbeddedStore() {
        refusedFromBothSides("embedded:" + dir.resolve("store.db"));
    }

    @Test
    void refusedFromBothSidesOnEtcd() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            refusedFromBothSides(etcd.url());
        }
    }

    private static void refusedFromBothSides(String url) {
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            Pools pools = new Pools(store);
            NodeService nodes = new NodeService(store);
            ResourceService resources = new ResourceService(store);
            nodes.register("n1", IpAddress.parse("10.20.0.5"), IpAddress.parse("fd20::5"), null);
            pools.add(new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false));

            // a pool over a registered node's address, IPv4 and IPv6, by `pool add` and by `apply`
            ValidationException added = assertThrows(ValidationException.class,
                    () -> pools.add(new IpPool(Cidr.parse("10.20.0.0/16"), false, null, false)),
                    "a pool over node n1's address 10.20.0.5 is refused");
            assertTrue(added.getMessage().contains("10.20.0.0/16") && added.getMessage().contains("'n1'"), added.getMessage());
            assertThrows(ValidationException.class, () -> pools.add(new IpPool(Cidr.parse("fd20::/64"), false, null, false)),
                    "a pool over node n1's address fd20::5 is refused");
            ValidationException applied = assertThrows(ValidationException.class,
                    () -> resources.apply(List.of(new IpPool(Cidr.parse("10.20.0.0/24"), false, null, false))),
                    "apply of a pool over node n1's address is refused");
            assertTrue(applied.getMessage().contains("10.20.0.0/24") && applied.getMessage().contains("'n1'"), applied.getMessage());
            assertEquals(List.of("10.65.0.0/16"), pools.list().stream().map(pool -> pool.cidr().toString()).toList(),
                    "no pool over a node's address was stored");

            // a node whose address lies in a pool, registered (as `node start` does) or applied, new or moved
            ValidationException registered = assertThrows(ValidationException.class,
                    () -> nodes.register("n2", IpAddress.parse("10.65.3.7"), null, null),
                    "a node registered at an address inside pool 10.65.0.0/16 is refused");
            assertTrue(registered.getMessage().contains("10.65.0.0/16") && registered.getMessage().contains("'n2'"),
                    registered.getMessage());
            assertThrows(ValidationException.class, () -> nodes.register("n1", IpAddress.parse("10.65.0.9"), null, null),
                    "node n1 moved to an address inside pool 10.65.0.0/16 is refused");
            assertThrows(ValidationException.class,
                    () -> resources.apply(List.of(new Node("n3", IpAddress.parse("10.65.200.1"), null, null))),
                    "apply of a node at an address inside pool 10.65.0.0/16 is refused");
            assertThrows(ValidationException.class, () -> resources.apply(List.of(
                            new IpPool(Cidr.parse("10.30.0.0/16"), false, null, false),
                            new Node("n4", IpAddress.parse("10.30.0.1"), null, null))),
                    "a file with a pool and a node inside it is refused whole");
            assertEquals(List.of("n1 10.20.0.5"), store.list(Node.class).stream().map(Versioned::resource)
                    .map(node -> node.name() + " " + node.ipv4()).toList(), "no node inside a pool was stored, n1 kept its address");

            // outside the pools both still go through
            pools.add(new IpPool(Cidr.parse("10.21.0.0/16"), false, null, false));
            nodes.register("n2", IpAddress.parse("10.20.0.6"), null, null);
        }
    }
}
