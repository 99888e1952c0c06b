package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.felix.calc.UnreadableRecord;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The agent's cache finds the addresses two records claim (AddressClaims) as records come and go, listed or watched:
 * the same net, a wide net holding another either way round, a node's own address; not two nodes, nor one record's
 * own nets. And a pool over a node's own address, which a store of an older jcalico may hold (docs/ipam.md, session 58,
 * t-route), is named by the agent's status until the pool or the node changes.
 */
class AddressClaimsTest {
    private static final WorkloadEndpoint W2 = endpoint("h1", "w2", "10.65.0.2/32");

    @Test
    void overlappingNetsOfTwoRecordsAreClaimsUntilOneGoes() {
        ClusterCache cache = new ClusterCache("h1");
        cache.replaceAll(listed(W2, endpoint("h2", "x1", "10.65.0.3/32"), endpoint("h2", "x2", "10.66.0.0/28", "10.66.0.1/32")),
                new ArrayList<>());
        assertEquals(List.of(), claims(cache), "distinct addresses; one record's own nets overlapping is no claim");
        assertNull(cache.claimProblem());

        WorkloadEndpoint same = endpoint("h2", "x9", "10.65.0.2/32");
        put(cache, same);
        assertEquals(List.of(List.of(Cidr.parse("10.65.0.2/32"))), claims(cache));
        assertTrue(cache.claimProblem().contains("10.65.0.2/32 claimed by both " + Keys.key(W2) + " and " + Keys.key(same)),
                cache.claimProblem());

        WorkloadEndpoint wide = endpoint("h3", "y1", "10.65.0.0/24");
        put(cache, wide);
        assertEquals(4, claims(cache).size(), "pairs: w2 and x9, and the /24 with each of w2, x9, x1: " + claims(cache));
        put(cache, endpoint("h3", "y1", "10.67.0.0/24"));
        put(cache, endpoint("h2", "x9", "10.65.0.9/32"));
        assertEquals(List.of(), claims(cache), "changed: no address claimed twice any more");

        put(cache, endpoint("h2", "x9", "10.65.0.0/16"));
        assertEquals(2, claims(cache).size(), "a wide net arriving after the ones it holds: " + claims(cache));
        delete(cache, Keys.key(W2));
        delete(cache, "/jcalico/v1/workloadendpoints/h2/x1");
        assertEquals(List.of(), claims(cache));
        assertNull(cache.claimProblem());
    }

    @Test
    void aNodesOwnAddressClaimedByAnEndpointIsAClaimTwoNodesAreNot() {
        Node h1 = new Node("h1", IpAddress.parse("10.70.0.1"), null, null);
        Node h2 = new Node("h2", IpAddress.parse("10.70.0.1"), null, null);
        ClusterCache cache = new ClusterCache("h1");
        cache.replaceAll(listed(h1, h2, W2, endpoint("h3", "z1", "10.70.0.0/30")), new ArrayList<>());
        List<UnreadableRecord> records = cache.snapshot().unreadableRecords();
        assertEquals(List.of("/jcalico/v1/nodes/h1", "/jcalico/v1/nodes/h2"),
                records.stream().map(UnreadableRecord::key).toList(), "z1 claims both nodes' address: " + records);
        assertTrue(records.stream().allMatch(record -> record.reach() == UnreadableRecord.Reach.CLAIMED
                && record.nets().equals(List.of(Cidr.parse("10.70.0.0/30"), Cidr.parse("10.70.0.1/32")))), records.toString());
    }

    @Test
    void aPoolOverANodesAddressIsNamedUntilOneOfThemChanges() {
        ClusterCache cache = new ClusterCache("h1");
        cache.replaceAll(listed(new Node("h1", IpAddress.parse("10.70.0.1"), null, null),
                new Node("h2", IpAddress.parse("10.80.0.1"), IpAddress.parse("fd80::1"), null),
                new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false)), new ArrayList<>());
        assertNull(cache.poolProblem(), "no pool covers a node's address");

        put(cache, new IpPool(Cidr.parse("fd80::/64"), false, null, true));
        put(cache, new IpPool(Cidr.parse("10.70.0.0/24"), false, null, false));
        String problem = cache.poolProblem();
        assertTrue(problem != null && problem.contains("pool 10.70.0.0/24 covers node 'h1' (10.70.0.1)")
                && problem.contains("pool fd80::/64 covers node 'h2' (fd80::1)"), problem);

        delete(cache, Keys.key(new IpPool(Cidr.parse("fd80::/64"), false, null, true)));
        put(cache, new Node("h1", IpAddress.parse("10.71.0.1"), null, null));
        assertNull(cache.poolProblem(), "the pool removed, the node moved out of the other");
    }

    private static List<List<Cidr>> claims(ClusterCache cache) {
        return cache.snapshot().unreadableRecords().stream().map(UnreadableRecord::nets).toList();
    }

    private static List<ClusterCache.Decoded> listed(Resource... resources) {
        return java.util.Arrays.stream(resources).map(resource -> ClusterCache.decode(Keys.key(resource),
                ResourceCodec.toJson(resource))).toList();
    }

    private static void put(ClusterCache cache, Resource resource) {
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.key(resource), ResourceCodec.toJson(resource), 5)),
                new ArrayList<>());
    }

    private static void delete(ClusterCache cache, String key) {
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, key, null, 6)), new ArrayList<>());
    }

    private static WorkloadEndpoint endpoint(String node, String id, String... nets) {
        return new WorkloadEndpoint(node, null, "c-" + id, id, "jc" + id, null,
                java.util.Arrays.stream(nets).map(Cidr::parse).toList(), List.of(), List.of(), null, null, Map.of(), null);
    }
}
