package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated cluster is one the real commands could have made: IPAM agrees with the endpoints. */
class ClusterGeneratorTest {
    @TempDir
    Path dir;

    @Test
    void everyEndpointHoldsAnAddressItsNodesBlockRecordsAndIpamCarriesOnFromThere() {
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            int written = new ClusterGenerator(store, line -> { }).write(20, 1990, 5);
            List<WorkloadEndpoint> endpoints = store.list(WorkloadEndpoint.class).stream().map(Versioned::resource).toList();
            List<IpamBlock> blocks = store.list(IpamBlock.class).stream().map(Versioned::resource).toList();
            assertEquals(1990, endpoints.size());
            assertEquals(20, store.list(Node.class).size());
            assertEquals(5, store.list(Profile.class).size());
            assertEquals(1 + 5 + 20 + 1990 + blocks.size(), written);

            Set<IpAddress> addresses = new HashSet<>();
            for (WorkloadEndpoint endpoint : endpoints) {
                IpAddress address = endpoint.ipv4Nets().get(0).network();
                assertTrue(addresses.add(address), "no address twice: " + address);
                IpamBlock block = blocks.stream().filter(b -> b.cidr().contains(address)).findFirst().orElseThrow();
                assertEquals(endpoint.node(), block.affinity());
                assertEquals(endpoint.endpointId(), block.allocations().get(block.cidr().offsetOf(address).intValue()));
            }
            assertEquals(1990, blocks.stream().mapToInt(block -> block.allocations().size()).sum(), "nothing else allocated");
            // as IPAM leaves a store: its indexes complete, so that no agent of the simulated cluster (the block reserve
            // of each, on by default) builds them from every block in the middle of a measurement
            assertTrue(datastore.get(Keys.IPAM_INDEXED).isPresent(), "IPAM's indexes written with the cluster");

            IpAddress next = new Ipam(store).autoAssign(ClusterGenerator.nodeName(1), 4, "new-endpoint");
            assertFalse(addresses.contains(next), "IPAM hands out a free address next: " + next);
            assertTrue(blocks.stream().anyMatch(b -> b.affinity().equals(ClusterGenerator.nodeName(1)) && b.cidr().contains(next)),
                    "from node-0001's own block");
            assertEquals(BigInteger.valueOf(1991), BigInteger.valueOf(new Ipam(store).usage().pools().get(0).used()));
        }
    }

    /**
     * `bench attach --fill`: the fake nodes give the real hosts' mesh no BIRD peer, and no real host's block reserve
     * claims from the fill's pool (the adds would land there, not in the bench's pool), yet the endpoints are all there.
     */
    @Test
    void anUnpeeredClusterHasNodesWithoutBgpAddressesInADisabledPool() {
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            new ClusterGenerator(store, line -> { }).writeUnpeered(3, 250, 2);
            assertEquals(250, store.list(WorkloadEndpoint.class).size());
            List<Node> nodes = store.list(Node.class).stream().map(Versioned::resource).toList();
            assertEquals(3, nodes.size());
            assertTrue(nodes.stream().allMatch(node -> node.ipv4() == null && node.ipv6() == null), "no BGP address: " + nodes);
            assertTrue(store.list(IpPool.class).stream().allMatch(pool -> pool.resource().disabled()), "the pool is disabled");
        }
    }
}
