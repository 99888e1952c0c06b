package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.log.Log;
import org.jcalico.util.ConfiguredInterval;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.resources.ResourceService;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session 49 (r-bad): an endpoint record nobody can read (written by anyone who can write the store) stalls no
 * other container of its node, and an admin repairs each kind jcalico writes itself so that afterwards no address in
 * use can be allocated twice. Real adds and removes (veths in a namespace standing for the host), the real sweep.
 */
@Tag("kernel")
class UnreadableRecordsTest {
    private static final String NODE = "n1";
    /** What a hand's or another program's write may leave: JSON cut short. */
    private static final String CUT_SHORT = "{\"kind\": \"WorkloadEndpoint\", \"node\": \"n1\", \"ipv4Nets\": [\"10.";

    @TempDir
    Path dir;
    private HostFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new HostFixture("bad-");
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void onTheEmbeddedStore() {
        repairs("embedded:" + dir.resolve("store.db"));
    }

    @Test
    void onEtcd() throws Exception {
        Assumptions.assumeTrue(EtcdFixture.installed(), "etcd is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            repairs(etcd.url());
        }
    }

    private void repairs(String url) {
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(new Node(NODE, null, null, null));
            new Pools(store).add(new IpPool(Cidr.parse("10.67.0.0/24"), false, null, false));
            ContainerService containers = fixture.containers(store);
            ResourceService admin = new ResourceService(store);
            WorkloadEndpoint a = add(containers, "a");
            WorkloadEndpoint b = add(containers, "b");
            String bKey = Keys.nodeKey(WorkloadEndpoint.class, NODE, b.endpointId());
            datastore.commit(List.of(new Op.Put(bKey, CUT_SHORT)));

            // another container of the node is added and removed; b's own remove says why it cannot be
            String c = fixture.container("c");
            WorkloadEndpoint added = containers.add(NODE, "netns:" + c, List.of(), List.of("p"), EndpointMetadata.NONE, "eth0",
                    Duration.ZERO).endpoint();
            assertEquals(List.of(added.endpointId()), containers.remove(NODE, "netns:" + c, Duration.ZERO).endpoints().stream()
                            .map(WorkloadEndpoint::endpointId).toList(),
                    "an unreadable endpoint record of the node does not stop another container's remove");
            ValidationException refused = assertThrows(ValidationException.class,
                    () -> containers.remove(NODE, b.containerId(), Duration.ZERO));
            assertTrue(refused.getMessage().contains(bKey), refused.getMessage());
            assertEquals(Set.of(b.nets().getFirst().network()), new Ipam(store).addressesOf(b.endpointId()),
                    "b's address stays held while its record cannot be read");
            ValidationException released = assertThrows(ValidationException.class,
                    () -> new Ipam(store).release(b.nets().getFirst().network(), NODE));
            assertTrue(released.getMessage().contains("may be used by an endpoint whose record cannot be read"), released.getMessage());

            // a block is not rebuilt while an endpoint record that may hold its addresses cannot be read
            Cidr blockCidr = Cidr.containing(a.nets().getFirst().network(), 26);
            String blockKey = Keys.keyOf(IpamBlock.class, blockCidr.toString());
            String blockValue = datastore.get(blockKey).orElseThrow().value();
            datastore.commit(List.of(new Op.Put(blockKey, "{\"kind\": \"IPAMBlock\", \"cidr\": ")));
            ValidationException early = assertThrows(ValidationException.class,
                    () -> admin.deleteUnreadable(IpamBlock.class, blockCidr.toString()));
            assertTrue(early.getMessage().contains("while endpoint records cannot be read"), early.getMessage());
            datastore.commit(List.of(new Op.Put(blockKey, blockValue)));

            // the admin removes b's record; the node's sweep then removes its veth and frees its address
            ResourceService.Repaired endpoint = admin.deleteUnreadable(WorkloadEndpoint.class, NODE + "/" + b.endpointId())
                    .orElseThrow();
            assertEquals(bKey, endpoint.record().key());
            assertTrue(datastore.get(bKey).isEmpty(), "the record is gone");
            assertTrue(links().contains(b.interfaceName()), "its veth waits for the sweep: " + links());
            assertEquals(1, new IntentSweeper(store, NODE, fixture.host, Log.console("error"),
                    new ConfiguredInterval(10_000)).sweep());
            assertFalse(links().contains(b.interfaceName()), "the sweep removed b's veth: " + links());
            assertEquals(Set.of(), new Ipam(store).addressesOf(b.endpointId()), "and freed its address");

            // the block turns unreadable: rebuilt from the endpoints, a's address is not handed out again
            datastore.commit(List.of(new Op.Put(blockKey, "{\"kind\": \"IPAMBlock\", \"cidr\": ")));
            WorkloadEndpoint e = add(containers, "e");
            assertNotEquals(blockCidr, Cidr.containing(e.nets().getFirst().network(), 26), "no address of the unreadable block is taken");
            assertEquals(1, containers.remove(NODE, e.containerId(), Duration.ZERO).endpoints().size(), "nor does it stop a remove");
            ResourceService.Repaired block = admin.deleteUnreadable(IpamBlock.class, blockCidr.toString()).orElseThrow();
            assertEquals("rebuilt", block.verb());
            IpAddress aAddress = a.nets().getFirst().network();
            ValidationException taken = assertThrows(ValidationException.class,
                    () -> new Ipam(store).assign(aAddress, NODE, "someone-else"));
            assertTrue(taken.getMessage().contains("already in use"), taken.getMessage());
            WorkloadEndpoint d = add(containers, "d");
            assertNotEquals(aAddress, d.nets().getFirst().network(), "a new container does not get a's address");
            assertEquals(blockCidr, Cidr.containing(d.nets().getFirst().network(), 26), "the node's block is its own again");
            assertEquals(1, containers.remove(NODE, a.containerId(), Duration.ZERO).endpoints().size());
            assertEquals(Set.of(), new Ipam(store).addressesOf(a.endpointId()), "a's address is a's to free: its holder is a's");

            // an unreadable status goes; its agent writes it again
            String statusKey = Keys.nodeKey(EndpointStatus.class, NODE, d.endpointId());
            datastore.commit(List.of(new Op.Put(statusKey, "{\"kind\": ")));
            assertEquals("deleted", admin.deleteUnreadable(EndpointStatus.class, NODE + "/" + d.endpointId()).orElseThrow().verb());
            assertTrue(datastore.get(statusKey).isEmpty());
        }
    }

    private WorkloadEndpoint add(ContainerService containers, String name) {
        return containers.add(NODE, "netns:" + fixture.container(name), List.of(), List.of("p"), EndpointMetadata.NONE, "eth0",
                Duration.ZERO).endpoint();
    }

    private String links() {
        return fixture.host.run("ip", "-o", "link", "show").check().stdout();
    }
}
