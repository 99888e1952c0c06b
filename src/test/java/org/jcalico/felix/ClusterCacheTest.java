package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.calc.UnreadableRecord;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.Node;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.Node;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

class ClusterCacheTest {
    private final List<String> problems = new ArrayList<>();

    @Test
    void snapshotHoldsWhatTheListingAndTheEventsLeft() {
        ClusterCache cache = new ClusterCache("a");
        WorkloadEndpoint local = endpoint("a", "e1");
        WorkloadEndpoint remote = endpoint("b", "e2");
        cache.replaceAll(List.of(kv(local), kv(remote), kv(Profile.securityGroup("web")),
                kv(new IpamBlock(Cidr.parse("10.0.0.0/26"), "a", null)), kv(new IpamBlock(Cidr.parse("10.0.0.64/26"), "b", null))),
                problems);
        assertTrue(cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, Keys.key(remote), null, 9),
                put(Profile.securityGroup("db"))), problems));

        Snapshot snapshot = cache.snapshot();
        assertEquals(List.of(local), snapshot.endpoints());
        assertEquals(List.of("db", "web"), List.copyOf(snapshot.profiles().keySet()));
        assertEquals(List.of(Cidr.parse("10.0.0.0/26")), snapshot.localBlocks().stream().map(IpamBlock::cidr).toList());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void policyKindsReachTheSnapshotAndTheirChangesMatter() {
        ClusterCache cache = new ClusterCache("a");
        List<Resource> kinds = ResourceCodec.decodeAll("""
                kind: Tier
                metadata: {name: platform}
                spec: {order: 10}
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: g}
                spec: {selector: all(), ingress: [{action: Allow}]}
                ---
                kind: NetworkPolicy
                metadata: {name: n, namespace: shop}
                spec: {selector: all(), ingress: [{action: Deny}]}
                ---
                kind: GlobalNetworkSet
                metadata: {name: gs, labels: {a: b}}
                spec: {nets: [10.9.0.0/16]}
                ---
                kind: NetworkSet
                metadata: {name: ns, namespace: shop}
                spec: {nets: [10.8.0.0/16]}
                ---
                kind: Namespace
                name: shop
                labels: {team: a}
                """);
        cache.replaceAll(kinds.subList(0, 1).stream().map(ClusterCacheTest::kv).toList(), problems);
        assertTrue(cache.apply(kinds.subList(1, kinds.size()).stream().map(ClusterCacheTest::put).toList(), problems));
        Snapshot snapshot = cache.snapshot();
        assertEquals(List.of("platform"), snapshot.tiers().stream().map(org.jcalico.model.Tier::name).toList());
        assertEquals(java.util.Set.of("GlobalNetworkPolicy/g", "NetworkPolicy/shop/n"),
                snapshot.policies().stream().map(org.jcalico.model.Policy::id).collect(java.util.stream.Collectors.toSet()));
        assertEquals(2, snapshot.networkSets().size());
        assertEquals(java.util.Map.of("team", "a"), snapshot.namespaces().get("shop").labels());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void aKubernetesNetworkPolicyActsAsTheNetworkPolicyCalicoMakesOfIt() {
        ClusterCache cache = new ClusterCache("a");
        Resource deny = ResourceCodec.decodeAll("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-all, namespace: shop}
                spec: {podSelector: {}, policyTypes: [Ingress]}
                """).get(0);
        cache.replaceAll(List.of(kv(deny)), problems);
        org.jcalico.model.Policy policy = cache.snapshot().policies().get(0);
        assertEquals("NetworkPolicy/shop/knp.default.deny-all", policy.id());
        assertEquals(List.of(org.jcalico.model.PolicyType.INGRESS), policy.spec().types());
        assertTrue(policy == cache.snapshot().policies().get(0), "an unchanged policy stays the same object for the calc");
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, Keys.key(deny), null, 9)), problems);
        assertEquals(List.of(), cache.snapshot().policies());
    }

    @Test
    void ownConfigurationOverridesTheGlobalOne() {
        ClusterCache cache = new ClusterCache("a");
        FelixConfiguration global = new FelixConfiguration(FelixConfiguration.GLOBAL, null, null, "gl", null);
        FelixConfiguration own = new FelixConfiguration(FelixConfiguration.nodeName("a"), null, null, "own", null);
        cache.replaceAll(List.of(kv(global)), problems);
        assertEquals("gl", cache.config().interfacePrefix());
        cache.apply(List.of(put(own)), problems);
        assertEquals("own", cache.config().interfacePrefix());
    }

    /**
     * A value that does not decode keeps the last readable value under its key in force, and is named until a
     * readable value or a delete comes. Old code: it dropped the old value (a Deny overwritten so was gone).
     */
    @Test
    void anUnreadableValueKeepsTheLastReadableOneInForce() {
        ClusterCache cache = new ClusterCache("a");
        WorkloadEndpoint endpoint = endpoint("a", "e1");
        cache.replaceAll(List.of(kv(endpoint)), problems);
        assertTrue(cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.key(endpoint), "{not json", 5)), problems));
        assertEquals(List.of(endpoint), cache.snapshot().endpoints());
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("datastore record " + Keys.key(endpoint) + " cannot be read: ")
                && problems.get(0).endsWith("; its last readable value stays in force"), problems.get(0));
        assertTrue(cache.unreadableProblem().contains(Keys.key(endpoint)), cache.unreadableProblem());
        assertFalse(cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.LEGACY_STATUS + "a/e1", "{}", 6)), problems));

        WorkloadEndpoint moved = endpoint("a", "e1").withLabels(java.util.Map.of("app", "db"));
        assertTrue(cache.apply(List.of(put(moved)), problems));
        assertEquals(List.of(moved), cache.snapshot().endpoints());
        assertEquals(null, cache.unreadableProblem());
    }

    /**
     * An unreadable key is named in the agent's log once, not at every listing again (a watch that lost its place,
     * each resync: with many bad keys that many WARN lines each time); a new value under it, still unreadable, is
     * named again. Old code: every listing named every unreadable key again.
     */
    @Test
    void anUnreadableKeyIsNamedOnceUntilItsValueChanges() {
        ClusterCache cache = new ClusterCache("a");
        String key = Keys.keyOf(Node.class, "zz");
        cache.replaceAll(List.of(ClusterCache.decode(key, "{")), problems);
        assertEquals(1, problems.size(), problems.toString());
        problems.clear();
        cache.replaceAll(List.of(ClusterCache.decode(key, "{")), problems);
        assertEquals(List.of(), problems, "the same key, unreadable for the same reason, listed again");
        assertTrue(cache.unreadableProblem().contains(key), "the status still names it: " + cache.unreadableProblem());

        cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, key, "[]", 9)), problems);
        assertEquals(1, problems.size(), "a new value under the key is named: " + problems);
        problems.clear();
        cache.replaceAll(List.of(ClusterCache.decode(key, "{")), problems);
        assertEquals(1, problems.size(), "unreadable for another reason than last named: " + problems);
    }

    /**
     * A record of another kind under a key (a profile's JSON under an endpoint's) is as unreadable as one that does
     * not decode: it neither passes as what it holds nor removes what the key held. Old code: the endpoint went and
     * the profile came.
     */
    @Test
    void aKeyRewrittenAsAnotherKindIsUnreadable() {
        ClusterCache cache = new ClusterCache("a");
        WorkloadEndpoint endpoint = endpoint("a", "e1");
        cache.replaceAll(List.of(kv(endpoint)), problems);
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.key(endpoint),
                ResourceCodec.toJson(Profile.securityGroup("web")), 5)), problems);
        assertEquals(List.of(endpoint), cache.snapshot().endpoints());
        assertTrue(cache.snapshot().profiles().isEmpty());
        assertEquals(List.of("datastore record " + Keys.key(endpoint) + " holds a Profile, not a WorkloadEndpoint; its last"
                + " readable value stays in force"), problems);
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, Keys.key(endpoint), null, 6)), problems);
        assertTrue(cache.snapshot().endpoints().isEmpty());
        assertEquals(null, cache.unreadableProblem());
    }

    /**
     * Unreadable records of the kinds a rule's peers are made of reach calc as what they could loosen: a namespace's
     * (its endpoints and peers), an endpoint's, a network set's or a profile's (peers); a node's, which no policy
     * depends on, does not.
     */
    @Test
    void unreadablePeersReachTheSnapshotByKind() {
        ClusterCache cache = new ClusterCache("a");
        List<String> keys = List.of(Keys.keyOf(Namespace.class, "shop"), Keys.prefix(WorkloadEndpoint.class) + "b/e1",
                Keys.keyOf(GlobalNetworkSet.class, "g"), Keys.keyOf(NetworkSet.class, "shop/s"),
                Keys.keyOf(Profile.class, "p"), Keys.keyOf(Node.class, "b"));
        cache.replaceAll(keys.stream().map(key -> ClusterCache.decode(key, "{")).toList(), new ArrayList<>());
        assertEquals(List.of("NAMESPACE shop", "PEERS null", "PEERS null", "PEERS null", "PEERS null"),
                cache.snapshot().unreadableRecords().stream()
                        .sorted(java.util.Comparator.comparing(record -> keys.indexOf(record.key())))
                        .map(record -> record.reach() + " " + record.namespace()).toList());
    }

    /**
     * A policy's key of which no readable value was held (here: unreadable in a listing, and the listing after it) is
     * handed to calc as an unreadable policy, in the namespace its key names; a policy's key whose last readable
     * value is held stays that policy, also through a listing again (the watch lost its place).
     */
    @Test
    void unreadablePoliciesReachTheSnapshotAndAListingAgainKeepsTheLastReadable() {
        ClusterCache cache = new ClusterCache("a");
        GlobalNetworkPolicy deny = (GlobalNetworkPolicy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: deny}
                spec: {selector: all(), ingress: [{action: Deny}]}
                """).get(0);
        String namespaced = Keys.keyOf(NetworkPolicy.class, "shop/guard");
        cache.replaceAll(List.of(kv(deny), ClusterCache.decode(namespaced, "{")), problems);
        assertEquals(List.of(deny), cache.snapshot().policies());
        assertEquals(List.of("shop"), cache.snapshot().unreadableRecords().stream().map(UnreadableRecord::namespace).toList());
        assertTrue(problems.get(0).endsWith("; the local endpoints whose policy it could change are dropped"), problems.toString());

        cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.key(deny), "{\"kind\":\"GlobalNetworkPolicy\"", 8)), problems);
        cache.replaceAll(List.of(ClusterCache.decode(Keys.key(deny), "[]"), ClusterCache.decode(namespaced, "{")), problems);
        assertEquals(List.of(deny), cache.snapshot().policies(), "the Deny's last readable value, through the listing");
        assertEquals(List.of(namespaced), cache.snapshot().unreadableRecords().stream().map(UnreadableRecord::key).toList());
        assertTrue(cache.unreadableProblem().startsWith("2 datastore record(s) cannot be read"), cache.unreadableProblem());

        ClusterCache started = new ClusterCache("a");
        started.replaceAll(List.of(ClusterCache.decode(Keys.key(deny), "[]")), problems);
        assertEquals(List.of(UnreadableRecord.policy(Keys.key(deny), null, started.unreadableProblem().replaceAll(".*\\(the first: (.*)\\)$", "$1"))),
                started.snapshot().unreadableRecords(), "a global policy's, unread since the start, could apply anywhere");
    }

    /**
     * An address taken or released in a block changes only its allocations, which neither the calculation nor BGP
     * reads: no pass for it (each `container add` made one beside its own veth). A block of this node's that comes,
     * goes or moves to another node is a change; another node's block never is.
     */
    @Test
    void onlyThisNodesBlockCidrsAreAChange() {
        ClusterCache cache = new ClusterCache("a");
        IpamBlock own = new IpamBlock(Cidr.parse("10.0.0.0/26"), "a", null);
        IpamBlock other = new IpamBlock(Cidr.parse("10.0.0.64/26"), "b", null);
        cache.replaceAll(List.of(kv(own), kv(other)), problems);
        assertFalse(cache.apply(List.of(put(new IpamBlock(own.cidr(), "a", java.util.Map.of(1, "e1")))), problems));
        assertEquals(java.util.Map.of(1, "e1"), cache.snapshot().localBlocks().getFirst().allocations());
        assertFalse(cache.apply(List.of(put(new IpamBlock(other.cidr(), "b", java.util.Map.of(1, "e2")))), problems));
        IpamBlock claimed = new IpamBlock(Cidr.parse("10.0.0.128/26"), "a", null);
        assertTrue(cache.apply(List.of(put(claimed)), problems));
        assertTrue(cache.apply(List.of(put(new IpamBlock(claimed.cidr(), "b", null))), problems));
        assertEquals(List.of(own.cidr()), cache.snapshot().localBlocks().stream().map(IpamBlock::cidr).toList());
        assertTrue(cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, Keys.key(own), null, 8)), problems));
        assertFalse(cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, Keys.key(other), null, 9)), problems));
        assertTrue(cache.snapshot().localBlocks().isEmpty());
        // a value under a block's key that is no block is a change, as under any other key
        assertTrue(cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.key(other), "{not json", 10)), problems));
    }

    /**
     * The agent's listing decodes each value from the bytes of etcd's page (docs/datastore.md, "The listing over
     * gRPC"): the same record as from its text, and without a string of the value (nor of its fields' names: with
     * both, decoding one of `bench scale`'s endpoints allocated 2,280 bytes, now 1,330, and the start's young
     * collections followed).
     */
    @Test
    void anEndpointListedIsDecodedFromItsBytesAsFromItsTextAndWithoutAStringOfIt() {
        ClusterCache cache = ClusterCache.ofAgent("a");
        List<KeyValue> listed = new ArrayList<>();
        List<byte[]> pages = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            WorkloadEndpoint endpoint = new WorkloadEndpoint("b" + i % 10, "k8s", "c" + i, "e" + i, "jc" + i,
                    "02:00:00:00:00:01", List.of(Cidr.parse("10.1." + i / 200 + "." + i % 200 + "/32")), List.of(),
                    List.of("web", "db"), "active", "shop", java.util.Map.of("app", "web", "tier", "t" + i % 3), List.of(),
                    null, List.of());
            byte[] value = ResourceCodec.toJson(endpoint).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] page = new byte[value.length + 20];
            System.arraycopy(value, 0, page, 10, value.length);
            pages.add(page);
            listed.add(KeyValue.ofUtf8(Keys.key(endpoint), page, 10, value.length, 1, 2));
        }
        for (KeyValue item : listed) {
            assertEquals(cache.decodeKept(item.key(), item.value()), cache.decodeKept(item));
        }
        long fromText = 0;
        long fromBytes = 0;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        // a few rounds, the last counted: the decoding compiled by then, as through most of a listing
        for (int round = 0; round < 5; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < listed.size(); i++) {
                byte[] page = pages.get(i);
                cache.decodeKept(listed.get(i).key(), new String(page, 10, page.length - 20, java.nio.charset.StandardCharsets.UTF_8));
            }
            long between = threads.getCurrentThreadAllocatedBytes();
            for (KeyValue item : listed) {
                cache.decodeKept(item);
            }
            fromText = (between - before) / listed.size();
            fromBytes = (threads.getCurrentThreadAllocatedBytes() - between) / listed.size();
        }
        int length = listed.getFirst().value().length();
        assertTrue(fromBytes < fromText - length, "from the bytes " + fromBytes + " bytes per endpoint, from a string of"
                + " its " + length + " bytes " + fromText);
    }

    @Test
    void theCacheKeepsNoKeyTextThatItsResourceGivesBack() {
        ClusterCache cache = new ClusterCache("a");
        List<ClusterCache.Decoded> items = new ArrayList<>();
        List<java.lang.ref.WeakReference<String>> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            WorkloadEndpoint endpoint = endpoint("b", "e" + i);
            // each key a string of its own, as the listing decodes it, reachable from nothing but the cache afterwards
            String key = new String(Keys.key(endpoint).toCharArray());
            keys.add(new java.lang.ref.WeakReference<>(key));
            items.add(ClusterCache.decode(key, ResourceCodec.toJson(endpoint)));
        }
        cache.replaceAll(items, problems);
        items.clear();
        for (int attempt = 0; attempt < 20 && keys.stream().anyMatch(key -> key.get() != null); attempt++) {
            System.gc();
        }
        assertEquals(0, keys.stream().filter(key -> key.get() != null).count(), "key strings the cache still holds");
        assertEquals(100, cache.snapshot().endpoints().size());
        // a key that its value does not give back (hand-written) is kept as given, so it is found again
        WorkloadEndpoint elsewhere = endpoint("b", "other");
        String odd = Keys.prefix(WorkloadEndpoint.class) + "b/not-its-id";
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, odd, ResourceCodec.toJson(elsewhere), 8)), problems);
        assertEquals(101, cache.snapshot().endpoints().size());
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, odd, null, 9),
                new WatchEvent(WatchEvent.Type.DELETE, Keys.key(endpoint("b", "e7")), null, 9)), problems);
        assertEquals(99, cache.snapshot().endpoints().size());
        assertFalse(cache.snapshot().endpoints().contains(elsewhere));
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void theAgentKeepsOtherNodesEndpointsWithoutWhatItsCalculationNeverReads() {
        ClusterCache cache = ClusterCache.ofAgent("a");
        WorkloadEndpoint local = new WorkloadEndpoint("a", null, "c-e1", "e1", "jce1", "02:00:00:00:00:01",
                List.of(Cidr.parse("10.0.0.1/32")), List.of(), List.of("web"), null, "shop", java.util.Map.of("app", "db"),
                null, 17L);
        WorkloadEndpoint remote = new WorkloadEndpoint("b", null, "c-e2", "e2", "jce2", "02:00:00:00:00:02",
                List.of(Cidr.parse("10.0.0.2/32")), List.of(), List.of("web"), null, "shop", java.util.Map.of("app", "db"),
                null, 17L);
        WorkloadEndpoint moved = remote.withLabels(java.util.Map.of("app", "web"));
        cache.replaceAll(List.of(kv(local), kv(remote)), problems);
        assertTrue(cache.apply(List.of(put(moved)), problems));

        List<WorkloadEndpoint> endpoints = cache.snapshot().endpoints();
        assertEquals(local, endpoints.get(0), "its own node's endpoints are whole");
        WorkloadEndpoint kept = endpoints.get(1);
        assertEquals(List.of(Keys.key(moved), "b", List.of(Cidr.parse("10.0.0.2/32")), List.of("web"), "shop",
                java.util.Map.of("app", "web"), "active"), List.of(Keys.key(kept), kept.node(), kept.ipv4Nets(),
                kept.profileIds(), kept.namespace(), kept.labels(), kept.state()), "what the calculation reads");
        assertEquals(java.util.Arrays.asList("(not kept)", "(not kept)", null, null),
                java.util.Arrays.asList(kept.containerId(), kept.interfaceName(), kept.mac(), kept.createdAtMillis()));
        assertFalse(kept.isWhole());
        assertTrue(local.isWhole());
        // never written back: the datastore's record keeps what the agent dropped
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> ResourceCodec.toJson(kept));
        // a value that merely reads like the marker is an ordinary record, checked and written as any other
        assertTrue(new WorkloadEndpoint("b", null, "(not kept)", "e3", "jce3", null, List.of(), List.of(), List.of(), null,
                null, null, null).isWhole());
        // a reading of the cluster (explain, diagnostics) keeps every endpoint whole
        ClusterCache reading = new ClusterCache("a");
        reading.replaceAll(List.of(kv(local), kv(remote)), problems);
        assertEquals(List.of(local, remote), reading.snapshot().endpoints());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    /**
     * The addresses of this node's blocks lent to other nodes (BGP's import filter takes a peer's host route for those
     * alone), kept as the agent's cache changes, say what the same records taken from nothing say
     * (RoutingIntent.lent): allocated in a block of this node, claimed by another node's endpoint (its host route, or a
     * wider net holding it) and by none of this node's. Random sequences of blocks' records (allocations coming and
     * going, a block moving to another node), endpoints of this node and another coming, going and changing, and now
     * and then a listing of everything.
     */
    @Test
    void lentAddressesKeptAsTheCacheChangesSayWhatTheRecordsTakenFromNothingSay() {
        List<Cidr> blocks = List.of(Cidr.parse("10.65.0.0/26"), Cidr.parse("10.65.0.64/26"), Cidr.parse("fd65::/122"));
        for (long seed = 1; seed <= 8; seed++) {
            java.util.Random random = new java.util.Random(seed);
            ClusterCache cache = ClusterCache.ofAgent("a");
            java.util.Map<String, Resource> records = new java.util.TreeMap<>();
            for (int step = 0; step < 200; step++) {
                List<WatchEvent> events = new ArrayList<>();
                for (int change = 1 + random.nextInt(3); change > 0; change--) {
                    Resource resource;
                    if (random.nextInt(3) == 0) {
                        Cidr block = blocks.get(random.nextInt(blocks.size()));
                        java.util.Map<Integer, String> allocations = new java.util.HashMap<>();
                        for (int i = random.nextInt(8); i > 0; i--) {
                            allocations.put(random.nextInt(12), "h" + random.nextInt(4));
                        }
                        resource = new IpamBlock(block, random.nextInt(6) == 0 ? "b" : "a", allocations);
                    } else {
                        int index = random.nextInt(12);
                        Cidr block = blocks.get(random.nextInt(blocks.size()));
                        Cidr net = random.nextInt(10) == 0
                                ? Cidr.containing(block.addressAt(java.math.BigInteger.valueOf(random.nextInt(12))), block.version() == 4 ? 30 : 126)
                                : Cidr.host(block.addressAt(java.math.BigInteger.valueOf(random.nextInt(12))));
                        resource = new WorkloadEndpoint(random.nextBoolean() ? "a" : "b", null, "c" + index, "e" + index,
                                "jc" + index, null, net.version() == 4 ? List.of(net) : List.of(),
                                net.version() == 6 ? List.of(net) : List.of(), List.of("p"), null, null, null, null);
                    }
                    String key = Keys.key(resource);
                    if (random.nextInt(4) == 0 && records.containsKey(key)) {
                        records.remove(key);
                        events.add(new WatchEvent(WatchEvent.Type.DELETE, key, null, step));
                    } else {
                        records.put(key, resource);
                        events.add(put(resource));
                    }
                }
                if (random.nextInt(40) == 0) {
                    cache.replaceAll(records.values().stream().map(ClusterCacheTest::kv).toList(), problems);
                } else {
                    cache.apply(events, problems);
                }
                List<IpamBlock> local = records.values().stream().filter(IpamBlock.class::isInstance).map(IpamBlock.class::cast)
                        .filter(block -> block.affinity().equals("a")).toList();
                List<WorkloadEndpoint> endpoints = records.values().stream().filter(WorkloadEndpoint.class::isInstance)
                        .map(WorkloadEndpoint.class::cast).toList();
                assertEquals(new java.util.TreeSet<>(org.jcalico.bgp.RoutingIntent.lent(local, "a", endpoints)),
                        new java.util.TreeSet<>(cache.lentRoutes()), "seed " + seed + ", step " + step);
            }
        }
        assertTrue(problems.isEmpty(), problems.toString());
    }

    /**
     * Every pass gets a snapshot of the cache, every periodic resync of an idle agent among them: one that finds the
     * endpoints as the last left them makes no copy of them. A copy of the cluster's endpoints (400 KB at 100,000)
     * lived through the pass's young collections and was promoted, so an idle agent at scale grew by it at every
     * resync until a full collection (docs/agent.md, "Memory", session 61). What changes is in the next snapshot.
     * Old code: a copy of the list per snapshot.
     */
    @Test
    void aSnapshotOfEndpointsAsTheLastLeftThemCopiesNoList() {
        ClusterCache cache = new ClusterCache("a");
        List<ClusterCache.Decoded> listed = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            listed.add(kv(new WorkloadEndpoint("b", null, "c-e" + i, "e" + i, "jce" + i, null,
                    List.of(Cidr.parse("10.1." + i / 200 + "." + i % 200 + "/32")), List.of(), List.of("web"), null, null,
                    null, null)));
        }
        cache.replaceAll(listed, problems);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            cache.snapshot();
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(least < 20_000, "a snapshot of 20,000 endpoints unchanged since the last allocated " + least + " bytes");

        WorkloadEndpoint added = endpoint("a", "new");
        assertTrue(cache.apply(List.of(put(added)), problems));
        assertTrue(cache.snapshot().endpoints().contains(added), "an endpoint added");
        WorkloadEndpoint relabelled = added.withLabels(java.util.Map.of("app", "db"));
        assertTrue(cache.apply(List.of(put(relabelled)), problems));
        Snapshot snapshot = cache.snapshot();
        assertTrue(snapshot.endpoints().contains(relabelled) && !snapshot.endpoints().contains(added), "an endpoint changed");
        assertTrue(cache.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, Keys.key(added), null, 9)), problems));
        assertFalse(cache.snapshot().endpoints().contains(relabelled), "an endpoint removed");
        assertEquals(20_000, cache.snapshot().endpoints().size());
        assertTrue(snapshot.endpoints().contains(relabelled), "an earlier snapshot keeps what it had");
        assertTrue(problems.isEmpty(), problems.toString());
    }

    private static WorkloadEndpoint endpoint(String node, String id) {
        return new WorkloadEndpoint(node, null, "c-" + id, id, "jc" + id, null, List.of(Cidr.parse("10.0.0.1/32")), List.of(),
                List.of("web"), null, null, null, null);
    }

    /**
     * The agent's listing puts each part's values in tables on the part's own thread and the loop joins the parts
     * (Syncer, ClusterCache.Part): the cache, the snapshot and so the first calculation (what the first programming
     * writes) must be those of the whole listing put key by key, as before; and the joined tables must find, replace and
     * remove every key afterwards, as the watch's events do.
     */
    @Test
    void aListingPutInTablesPartByPartIsTheCacheOfTheWholeListing() throws Exception {
        int nodes = 40;
        int perNode = 25;
        int profiles = 6;
        List<KeyValue> listing = new ArrayList<>();
        for (int i = 0; i < profiles; i++) {
            Profile profile = Profile.securityGroup(org.jcalico.bench.ClusterGenerator.profileName(i));
            listing.add(new KeyValue(Keys.key(profile), ResourceCodec.toJson(profile), 1, 1));
        }
        for (int node = 1; node <= nodes; node++) {
            String name = org.jcalico.bench.ClusterGenerator.nodeName(node);
            IpamBlock block = new IpamBlock(Cidr.parse("10.1." + node + ".0/26"), name, java.util.Map.of(1, "e" + node));
            listing.add(new KeyValue(Keys.key(block), ResourceCodec.toJson(block), 1, 1));
            for (int i = 0; i < perNode; i++) {
                WorkloadEndpoint endpoint = org.jcalico.bench.ClusterGenerator.endpoint(node, i, perNode, profiles);
                listing.add(new KeyValue(Keys.key(endpoint), ResourceCodec.toJson(endpoint), 1, 1));
            }
        }
        // a value no reader takes (a problem to log), and one written by hand under a key it does not give back
        listing.add(new KeyValue(Keys.prefix(WorkloadEndpoint.class) + "node-0002/garbled", "{not json", 1, 1));
        listing.add(new KeyValue(Keys.prefix(WorkloadEndpoint.class) + "node-0003/not-its-id",
                ResourceCodec.toJson(org.jcalico.bench.ClusterGenerator.endpoint(3, perNode, perNode, profiles)), 1, 1));
        listing.sort(java.util.Comparator.comparing(KeyValue::key));
        String own = org.jcalico.bench.ClusterGenerator.nodeName(1);

        ClusterCache whole = ClusterCache.ofAgent(own);
        List<String> wholeProblems = new ArrayList<>();
        whole.replaceAll(listing.stream().map(whole::decodeKept).filter(java.util.Objects::nonNull).toList(), wholeProblems);

        ClusterCache inParts = ClusterCache.ofAgent(own);
        List<ClusterCache.Part> parts = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        int[] splits = {0, listing.size() / 5, listing.size() / 2, listing.size() * 4 / 5, listing.size()};
        for (int i = 0; i + 1 < splits.length; i++) {
            ClusterCache.Part part = inParts.new Part();
            parts.add(part);
            List<KeyValue> range = listing.subList(splits[i], splits[i + 1]);
            // pages of 7, as a part's pages come, each part on a thread of its own at once
            threads.add(Thread.ofPlatform().start(() -> {
                for (int from = 0; from < range.size(); from += 7) {
                    range.subList(from, Math.min(range.size(), from + 7)).forEach(part::add);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        List<String> partProblems = new ArrayList<>();
        assertEquals(nodes * perNode + 1 + profiles + 1, inParts.replaceWith(parts, partProblems));

        assertEquals(wholeProblems, partProblems);
        assertEquals(1, partProblems.size(), partProblems.toString());
        Snapshot expected = whole.snapshot();
        assertEquals(expected, inParts.snapshot());
        assertEquals(new org.jcalico.felix.calc.HostStateCalculator().calculate(expected),
                new org.jcalico.felix.calc.HostStateCalculator().calculate(inParts.snapshot()));

        // the joined tables afterwards: every endpoint of node 2 changed, every one of node 3 removed, the hand-written key too
        List<WatchEvent> events = new ArrayList<>();
        for (int i = 0; i < perNode; i++) {
            WorkloadEndpoint endpoint = org.jcalico.bench.ClusterGenerator.endpoint(2, i, perNode, profiles);
            events.add(put(endpoint.withLabels(java.util.Map.of("changed", "yes"))));
            events.add(new WatchEvent(WatchEvent.Type.DELETE,
                    Keys.key(org.jcalico.bench.ClusterGenerator.endpoint(3, i, perNode, profiles)), null, 8));
        }
        events.add(new WatchEvent(WatchEvent.Type.DELETE, Keys.prefix(WorkloadEndpoint.class) + "node-0003/not-its-id", null, 9));
        whole.apply(events, wholeProblems);
        inParts.apply(events, partProblems);
        assertEquals(whole.snapshot(), inParts.snapshot());
        assertEquals((nodes - 1) * perNode, inParts.snapshot().endpoints().size());
    }

    /**
     * The agent's cache collects, from its listing and the events after it until its first pass takes them, the single
     * addresses of the records of other nodes' endpoints written after the revision the node's agents applied through
     * (NewHolders): one comparison a record read anyway, nothing kept of the others. Not its own node's, not a network
     * a record claims, nothing once taken; nothing when that revision is unknown (0: every holder counts as new).
     */
    @Test
    void theListingAndTheEventsUntilTheFirstPassTellTheHoldersWrittenAfterTheRevisionApplied() {
        ClusterCache cache = ClusterCache.ofAgent("a");
        cache.collectNewHoldersAfter(10);
        ClusterCache.Part part = cache.new Part();
        part.add(listed(remote("old", "10.0.1.1/32"), 10));
        part.add(listed(remote("new", "10.0.1.2/32"), 11));
        part.add(listed(remote("wide", "10.0.2.0/24"), 12));
        part.add(listed(new WorkloadEndpoint("a", null, "c-own", "own", "jcown", null, List.of(Cidr.parse("10.0.0.3/32")),
                List.of(), List.of("web"), null, null, null, null), 12));
        cache.replaceWith(List.of(part), problems);
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.key(remote("later", "10.0.1.4/32")),
                ResourceCodec.toJson(remote("later", "10.0.1.4/32")), 13)), problems);
        assertEquals(java.util.Set.of(org.jcalico.model.IpAddress.parse("10.0.1.2"), org.jcalico.model.IpAddress.parse("10.0.1.4")),
                cache.takeNewHolders());
        cache.apply(List.of(new WatchEvent(WatchEvent.Type.PUT, Keys.key(remote("after", "10.0.1.5/32")),
                ResourceCodec.toJson(remote("after", "10.0.1.5/32")), 14)), problems);
        assertEquals(java.util.Set.of(), cache.takeNewHolders(), "none collected once taken");

        ClusterCache unknown = ClusterCache.ofAgent("a");
        unknown.collectNewHoldersAfter(0);
        ClusterCache.Part all = unknown.new Part();
        all.add(listed(remote("new", "10.0.1.2/32"), 11));
        unknown.replaceWith(List.of(all), problems);
        assertEquals(java.util.Set.of(), unknown.takeNewHolders(), "none collected when every holder counts as new");
        assertTrue(problems.isEmpty(), problems.toString());
    }

    private static WorkloadEndpoint remote(String id, String net) {
        return new WorkloadEndpoint("b", null, "c-" + id, id, "jc" + id, null, List.of(Cidr.parse(net)), List.of(),
                List.of("web"), null, null, null, null);
    }

    private static KeyValue listed(Resource resource, long revision) {
        return new KeyValue(Keys.key(resource), ResourceCodec.toJson(resource), 1, revision);
    }

    private static ClusterCache.Decoded kv(Resource resource) {
        return ClusterCache.decode(Keys.key(resource), ResourceCodec.toJson(resource));
    }

    private static WatchEvent put(Resource resource) {
        return new WatchEvent(WatchEvent.Type.PUT, Keys.key(resource), ResourceCodec.toJson(resource), 7);
    }
}
