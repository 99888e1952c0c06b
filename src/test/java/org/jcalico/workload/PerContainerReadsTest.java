package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jcalico.bench.ClusterGenerator;
import org.jcalico.bench.CountingDatastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Pools;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14, item 1: a container's add and remove read the same keys whatever else the store holds. Counted, not
 * timed: a real add and remove (veth included) on a store holding only the node, and on one that also holds 2,000
 * endpoints of 200 other nodes in 200 blocks, on both backends. Before, add read every block twice and remove every
 * endpoint and every block.
 */
@Tag("kernel")
class PerContainerReadsTest {
    private static final String NODE = "jcb7-n1";
    /** A handful of gets and per-node listings: the node, its configuration, pools, its block, the intent, ... */
    private static final int FEW = 20;
    /** Gets, listings and commits of an add into the node's existing block. */
    private static final int ADD_ROUND_TRIPS = 11;

    @TempDir
    Path dir;
    private HostFixture fixture;
    private String container;

    @BeforeEach
    void setUp() {
        fixture = new HostFixture("jcb7-rd-");
        container = fixture.container("ctr");
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void embeddedStore() {
        compare("embedded:" + dir.resolve("empty.db"), "embedded:" + dir.resolve("full.db"));
    }

    @Test
    void etcd() throws Exception {
        Assumptions.assumeTrue(EtcdFixture.installed(), "etcd is not installed");
        try (EtcdFixture empty = EtcdFixture.start(); EtcdFixture full = EtcdFixture.start()) {
            compare(empty.url(), full.url());
        }
    }

    private void compare(String emptyUrl, String fullUrl) {
        Reads onEmpty = reads(emptyUrl, false);
        Reads onFull = reads(fullUrl, true);
        System.out.println("keys read, round trips: empty store " + onEmpty + ", 2,000 endpoints " + onFull);
        assertEquals(onEmpty, onFull, "a container's add and remove read the same keys whatever the store holds");
        assertTrue(onFull.add() <= FEW && onFull.remove() <= FEW, "a few keys each: " + onFull);
        assertEquals(1, onFull.poolListings(), "an add reads the pools once: " + onFull);
        // the node, its configuration and the endpoint in one read, the intent and the profiles in another (was 15)
        assertTrue(onFull.addRoundTrips() <= ADD_ROUND_TRIPS, "an add's round trips to the store: " + onFull);
    }

    record Reads(long add, long remove, long addRoundTrips, long removeRoundTrips, long poolListings) {
    }

    /** Keys read by the second add and remove of one container (the first claims the node's block). */
    private Reads reads(String url, boolean filled) {
        try (CountingDatastore datastore = new CountingDatastore(Datastores.open(url))) {
            ResourceStore store = new ResourceStore(datastore);
            if (filled) {
                new ClusterGenerator(store, line -> { }).write(200, 2_000, 4);
            } else {
                new Pools(store).add(new IpPool(ClusterGenerator.POOL, false, 26, false));
                store.create(Profile.securityGroup(ClusterGenerator.profileName(0)));
            }
            store.create(new Node(NODE, null, null, null));
            ContainerService containers = fixture.containers(store);
            Reads reads = null;
            String pools = org.jcalico.datastore.Keys.prefix(IpPool.class);
            for (int round = 0; round < 2; round++) {
                long before = datastore.keysRead();
                long tripsBefore = datastore.roundTrips();
                long poolsBefore = datastore.listings(pools);
                containers.add(NODE, "netns:" + container, List.of(), List.of(ClusterGenerator.profileName(0)),
                        EndpointMetadata.NONE, "eth0", Duration.ZERO);
                long added = datastore.keysRead();
                long tripsAdded = datastore.roundTrips();
                long poolListings = datastore.listings(pools) - poolsBefore;
                assertEquals(1, containers.remove(NODE, "netns:" + container, Duration.ZERO).endpoints().size());
                reads = new Reads(added - before, datastore.keysRead() - added, tripsAdded - tripsBefore,
                        datastore.roundTrips() - tripsAdded, poolListings);
            }
            return reads;
        }
    }
}
