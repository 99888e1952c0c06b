package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ListingParts;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.Test;

/** What the agent's syncer receives from a real etcd: what its calculation reads, not the status other agents write. */
class SyncerTest {
    /** What a test writes before the syncer lists, and what it checks once the first listing is queued. */
    private interface Setup {
        void write(Datastore datastore, ResourceStore store) throws Exception;
    }

    private interface Check {
        void check(Datastore datastore, ResourceStore store, LinkedBlockingQueue<Object> queue, Syncer.Input.Listed listed)
                throws Exception;
    }

    /** A real etcd, SETUP written to it, then the syncer of node a's agent started on it and CHECK given its listing. */
    private static void listed(Setup setup, Check check) throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start(); Datastore datastore = Datastores.open(etcd.url())) {
            ResourceStore store = new ResourceStore(datastore);
            setup.write(datastore, store);
            LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
            Syncer syncer = new Syncer(datastore, queue, ClusterCache.ofAgent("a"));
            syncer.start();
            try {
                Syncer.Input.Listed listed = (Syncer.Input.Listed) queue.poll(10, TimeUnit.SECONDS);
                assertNotNull(listed);
                check.check(datastore, store, queue, listed);
            } finally {
                syncer.stop();
            }
        }
    }

    /** Node a's agent's cache holding the listing, as its loop puts it there. */
    private static ClusterCache cached(Syncer.Input.Listed listed) {
        ClusterCache cache = ClusterCache.ofAgent("a");
        cache.replaceWith(listed.parts(), new ArrayList<>());
        return cache;
    }

    @Test
    void anotherNodesStatusWritesNeverReachTheAgent() throws Exception {
        WorkloadEndpoint remote = endpoint("b", "e1", "web");
        listed((datastore, store) -> {
            store.create(remote);
            // what an agent of an earlier version left under ROOT: node a's own is removed when its reporter loads
            datastore.put(Keys.LEGACY_STATUS + "a/old", "{}");
            datastore.put(Keys.LEGACY_STATUS + "b/old", "{}");
        }, (datastore, store, queue, listed) -> {
            new StatusReporter(store, "a").load();
            assertEquals(List.of(remote.elsewhere()), cached(listed).snapshot().endpoints());
            assertTrue(datastore.get(Keys.LEGACY_STATUS + "a/old").isEmpty());
            assertTrue(datastore.get(Keys.LEGACY_STATUS + "b/old").isPresent());

            // node b's agent reports its endpoint, then the endpoint changes: only the change arrives
            store.create(new EndpointStatus("b", "e1", EndpointStatus.State.programmed, null, 1));
            var current = store.get(WorkloadEndpoint.class, "b", "e1").orElseThrow();
            store.update(endpoint("b", "e1", "db"), current.revision());
            List<WatchEvent> received = new ArrayList<>();
            while (received.stream().noneMatch(event -> event.key().equals(Keys.key(remote)))) {
                Syncer.Input.Changed changed = (Syncer.Input.Changed) queue.poll(10, TimeUnit.SECONDS);
                assertNotNull(changed, "the endpoint's change did not arrive; received " + received);
                received.addAll(changed.events());
            }
            // besides the change, at most the removal of this node's legacy status
            assertEquals(List.of(), received.stream().map(WatchEvent::key)
                    .filter(key -> !key.equals(Keys.key(remote)) && !key.equals(Keys.LEGACY_STATUS + "a/old")).toList());
            assertTrue(store.get(EndpointStatus.class, "b", "e1").isPresent());
        });
    }

    /**
     * An agent lists a cluster of many nodes in parts read at once (ListingParts): what it receives is every item of one
     * listing, in key order, and the watch from its revision brings what is written after it.
     */
    @Test
    void aClusterListedInPartsArrivesWholeInKeyOrder() throws Exception {
        List<String> keys = new ArrayList<>();
        listed((datastore, store) -> {
            for (int node = 0; node < 8; node++) {
                store.create(new Node("n" + node, IpAddress.parse("172.16.0." + (node + 1)), null, null));
                for (int i = 0; i < 300; i++) {
                    store.create(endpoint("n" + node, "e" + i, "web"));
                }
            }
            datastore.list(Keys.ROOT).items().forEach(item -> keys.add(item.key()));
        }, (datastore, store, queue, listed) -> {
            var snapshot = cached(listed).snapshot();
            List<String> cachedKeys = new ArrayList<>(snapshot.nodes().stream().map(Keys::key).toList());
            cachedKeys.addAll(snapshot.endpoints().stream().map(Keys::key).toList());
            assertEquals(keys, cachedKeys);
            WorkloadEndpoint added = endpoint("n7", "later", "db");
            store.create(added);
            Syncer.Input.Changed changed = (Syncer.Input.Changed) queue.poll(10, TimeUnit.SECONDS);
            assertNotNull(changed);
            assertEquals(List.of(Keys.key(added)), changed.events().stream().map(WatchEvent::key).toList());
        });
    }

    /**
     * The agent's listing threads hand on other nodes' endpoints as its cache keeps them, and none of their IPAM blocks:
     * a whole record of each endpoint (its container id, interface name, MAC and creation time: 15-20 MB with 100,000
     * endpoints) and every block with its allocations lived from its page's decoding until the whole listing was cached,
     * copied into the old generation by the young collections meanwhile.
     */
    @Test
    void theListingHandsOnOtherNodesEndpointsAsTheAgentKeepsThem() throws Exception {
        WorkloadEndpoint own = endpoint("a", "e1", "web");
        WorkloadEndpoint other = endpoint("b", "e2", "web");
        IpamBlock ownBlock = new IpamBlock(Cidr.parse("10.0.0.0/26"), "a", java.util.Map.of(1, "e1"));
        IpamBlock otherBlock = new IpamBlock(Cidr.parse("10.0.0.64/26"), "b", java.util.Map.of(2, "e2"));
        listed((datastore, store) -> {
            store.create(own);
            store.create(other);
            store.create(ownBlock);
            store.create(otherBlock);
        }, (datastore, store, queue, listed) -> {
            // of the blocks, only the node's own (its routes)
            ClusterCache cache = cached(listed);
            assertEquals(List.of(ownBlock), cache.snapshot().localBlocks());
            List<WorkloadEndpoint> endpoints = cache.snapshot().endpoints();
            assertEquals(List.of(own, other.elsewhere()), endpoints);
            assertEquals(List.of(true, false), endpoints.stream().map(WorkloadEndpoint::isWhole).toList());
            // and so does the watch: the change of another node's endpoint reaches the cache as it keeps it
            store.update(endpoint("b", "e2", "db"), store.get(WorkloadEndpoint.class, "b", "e2").orElseThrow().revision());
            Syncer.Input.Changed changed = (Syncer.Input.Changed) queue.poll(10, TimeUnit.SECONDS);
            assertNotNull(changed);
            assertTrue(cache.apply(changed.events(), new ArrayList<>()));
            assertEquals(List.of(own, endpoint("b", "e2", "db").elsewhere()), cache.snapshot().endpoints());
        });
    }

    private static WorkloadEndpoint endpoint(String node, String id, String profile) {
        return new WorkloadEndpoint(node, null, "c-" + id, id, "jc" + id, null, List.of(Cidr.parse("10.0.0.1/32")), List.of(),
                List.of(profile), null, null, null, null);
    }
}
