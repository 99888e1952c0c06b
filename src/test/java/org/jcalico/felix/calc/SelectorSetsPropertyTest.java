package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Metadata;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.NetworkSetSpec;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;
import org.jcalico.policy.EndpointLabels;
import org.junit.jupiter.api.Test;

/**
 * A random cluster and a random sequence of changes to it (labels, endpoints, addresses shared between endpoints,
 * namespaces, profiles, network sets, and the sets in use): after every step, the sets kept incrementally are the
 * sets computed from the definition alone. The seed is fixed and printed (-Dselectorsets.seed=N tries another).
 */
class SelectorSetsPropertyTest {
    private static final long SEED = Long.getLong("selectorsets.seed", 20261130L);
    private static final List<String> KEYS = List.of("app", "tier", "env", "role");
    private static final List<String> VALUES = List.of("a", "b", "c");
    private static final List<String> NAMESPACES = List.of("default", "ns1", "ns2", "ns3");
    private static final List<String> PROFILES = List.of("p1", "p2", "p3");
    private static final List<String> PORT_NAMES = List.of("http", "dns");
    private final Random random = new Random(SEED);

    private final Map<String, WorkloadEndpoint> endpoints = new TreeMap<>();
    private final Map<String, LabelledNets> networkSets = new TreeMap<>();
    private final Map<String, Namespace> namespaces = new TreeMap<>();
    private final Map<String, Profile> profiles = new TreeMap<>();
    private final List<SetKey> keyPool = new ArrayList<>();
    private final Set<SetKey> needed = new HashSet<>();
    private int nextId;

    @Test
    void incrementalSetsEqualSetsFromTheDefinitionAfterEveryChange() {
        System.out.println("SelectorSetsPropertyTest seed " + SEED + " (rerun with -Dselectorsets.seed=" + SEED + ")");
        cluster(120);
        for (int i = 0; i < 15; i++) {
            needed.add(pick(keyPool));
        }

        SelectorSets index = new SelectorSets();
        for (int step = 0; step < 400; step++) {
            String change = change();
            List<WorkloadEndpoint> listed = new ArrayList<>(endpoints.values());
            List<LabelledNets> sets = new ArrayList<>(networkSets.values());
            if (random.nextInt(5) == 0) {
                // the agent's cache keeps its order stable, which the index exploits; any order must give the same sets
                Collections.shuffle(listed, random);
                Collections.shuffle(sets, random);
            }
            Map<String, IpSetSpec> incremental = index.calculate(listed, sets, Map.copyOf(profiles),
                    Map.copyOf(namespaces), Set.copyOf(needed));
            assertEquals("", differences(fromDefinition(), incremental), "seed " + SEED + ", step " + step + ": " + change);
        }
    }

    /**
     * As the first calculation counts them: every set new, its members counted by two threads at once, each taking
     * the next set (SelectorSets.Filling); after random changes, a fresh index each time, the sets are those of the
     * definition.
     */
    @Test
    void setsCountedByTwoThreadsAtOnceEqualSetsFromTheDefinition() throws Exception {
        cluster(600);
        needed.addAll(keyPool);
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 30; round++) {
                String change = change();
                SelectorSets index = new SelectorSets();
                index.update(new ArrayList<>(endpoints.values()), new ArrayList<>(networkSets.values()),
                        Map.copyOf(profiles), Map.copyOf(namespaces));
                SelectorSets.Filling filling = index.fill(Set.copyOf(needed));
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(2);
                java.util.concurrent.Future<?> theirs = other.submit(() -> {
                    start.countDown();
                    awaitQuietly(start);
                    filling.work();
                });
                start.countDown();
                start.await();
                filling.work();
                theirs.get();
                assertEquals("", differences(fromDefinition(), index.sets(Set.copyOf(needed))),
                        "seed " + SEED + ", round " + round + ": " + change);
            }
        } finally {
            other.shutdownNow();
        }
    }

    /** A random cluster of ENDPOINT_COUNT endpoints, 8 network sets, the namespaces and profiles, and 40 random keys. */
    private void cluster(int endpointCount) {
        for (int i = 0; i < 40; i++) {
            keyPool.add(randomKey());
        }
        for (int i = 0; i < endpointCount; i++) {
            addEndpoint();
        }
        for (int i = 0; i < 8; i++) {
            addNetworkSet();
        }
        NAMESPACES.forEach(name -> namespaces.put(name, new Namespace(name, randomLabels(2))));
        PROFILES.forEach(name -> profiles.put(name, new Profile(name, null, randomLabels(2), null, null)));
    }

    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String change() {
        switch (random.nextInt(10)) {
            case 0 -> {
                addEndpoint();
                return "endpoint added";
            }
            case 1 -> {
                String id = pick(List.copyOf(endpoints.keySet()));
                endpoints.remove(id);
                return "endpoint " + id + " removed";
            }
            case 2, 3 -> {
                String id = pick(List.copyOf(endpoints.keySet()));
                endpoints.put(id, endpoints.get(id).withLabels(randomLabels(3)));
                return "endpoint " + id + " relabelled";
            }
            case 4 -> {
                String id = pick(List.copyOf(endpoints.keySet()));
                endpoints.put(id, endpoint(id));
                return "endpoint " + id + " replaced (addresses, ports, namespace, profiles)";
            }
            case 5 -> {
                String name = pick(NAMESPACES);
                if (random.nextInt(4) == 0) {
                    namespaces.remove(name);
                    return "namespace " + name + " removed";
                }
                namespaces.put(name, new Namespace(name, randomLabels(2)));
                return "namespace " + name + " relabelled";
            }
            case 6 -> {
                String name = pick(PROFILES);
                if (random.nextInt(4) == 0) {
                    profiles.remove(name);
                    return "profile " + name + " removed";
                }
                profiles.put(name, new Profile(name, null, randomLabels(2), null, null));
                return "profile " + name + " relabelled";
            }
            case 7 -> {
                if (random.nextBoolean() && !networkSets.isEmpty()) {
                    String name = pick(List.copyOf(networkSets.keySet()));
                    networkSets.remove(name);
                    return "network set " + name + " removed";
                }
                addNetworkSet();
                return "network set added";
            }
            default -> {
                SetKey key = pick(keyPool);
                if (!needed.remove(key)) {
                    needed.add(key);
                }
                return "set in use toggled: " + key;
            }
        }
    }

    /** The sets exactly as docs/policy.md defines them, evaluated from nothing. */
    private Map<String, IpSetSpec> fromDefinition() {
        Map<String, IpSetSpec> sets = new TreeMap<>();
        for (SetKey key : needed) {
            Set<String> members = new HashSet<>();
            for (WorkloadEndpoint endpoint : endpoints.values()) {
                if (!key.selector().matches(EndpointLabels.effective(endpoint, profiles, namespaces))) {
                    continue;
                }
                for (Cidr net : endpoint.nets(key.version())) {
                    if (!key.isNamedPort()) {
                        members.add(net.toString());
                    }
                    for (EndpointPort port : endpoint.ports()) {
                        if (key.isNamedPort() && port.name().equals(key.portName()) && port.protocol().equals(key.protocol())) {
                            members.add(net.network() + "," + port.protocol().name() + ":" + port.port());
                        }
                    }
                }
            }
            for (LabelledNets set : networkSets.values()) {
                if (!key.isNamedPort() && key.selector().matches(EndpointLabels.forNetworkSet(set, namespaces))) {
                    set.spec().nets().stream().filter(net -> net.version() == key.version()).forEach(net ->
                            members.addAll(net.prefixLength() == 0
                                    ? (key.version() == 4 ? List.of("0.0.0.0/1", "128.0.0.0/1") : List.of("::/1", "8000::/1"))
                                    : List.of(net.toString())));
                }
            }
            sets.put(key.name(), new IpSetSpec(key.name(), key.isNamedPort() ? IpSetSpec.Type.IP_PORT : IpSetSpec.Type.NET,
                    key.version(), members));
        }
        return sets;
    }

    /** What differs, set by set, readably: the sets hold up to a hundred members each. */
    private static String differences(Map<String, IpSetSpec> expected, Map<String, IpSetSpec> actual) {
        StringBuilder out = new StringBuilder();
        Set<String> names = new java.util.TreeSet<>(expected.keySet());
        names.addAll(actual.keySet());
        for (String name : names) {
            IpSetSpec want = expected.get(name);
            IpSetSpec got = actual.get(name);
            if (want == null || got == null) {
                out.append(name).append(want == null ? " unexpected; " : " missing; ");
            } else if (!want.equals(got)) {
                Set<String> missing = new java.util.TreeSet<>(want.members());
                missing.removeAll(got.members());
                Set<String> extra = new java.util.TreeSet<>(got.members());
                extra.removeAll(want.members());
                out.append(name).append(": type ").append(got.type()).append(" (want ").append(want.type())
                        .append("), missing ").append(missing).append(", extra ").append(extra).append("; ");
            }
        }
        return out.toString();
    }

    private void addEndpoint() {
        String id = "e" + nextId++;
        endpoints.put(id, endpoint(id));
    }

    /** Addresses come from a small pool, so that endpoints often share one. */
    private WorkloadEndpoint endpoint(String id) {
        List<Cidr> v4 = random.nextInt(5) == 0 ? List.of() : List.of(Cidr.parse("10.0.0." + random.nextInt(150) + "/32"));
        List<Cidr> v6 = random.nextBoolean() ? List.of() : List.of(Cidr.parse("fd00::" + random.nextInt(150) + "/128"));
        List<EndpointPort> ports = new ArrayList<>();
        for (String name : PORT_NAMES) {
            if (random.nextBoolean()) {
                ports.add(new EndpointPort(name, Protocol.parse(random.nextBoolean() ? "tcp" : "udp"), 1 + random.nextInt(3)));
            }
        }
        List<String> own = PROFILES.stream().filter(profile -> random.nextInt(3) == 0).toList();
        return new WorkloadEndpoint("h" + random.nextInt(3), null, "c-" + id, id, "jc" + id, null, v4, v6, own, null,
                pick(NAMESPACES), randomLabels(3), ports);
    }

    private void addNetworkSet() {
        String name = "s" + nextId++;
        List<Cidr> nets = new ArrayList<>();
        nets.add(Cidr.parse("192.0." + random.nextInt(4) + ".0/24"));
        if (random.nextInt(4) == 0) {
            nets.add(Cidr.parse(random.nextBoolean() ? "0.0.0.0/0" : "::/0"));
        }
        if (random.nextBoolean()) {
            nets.add(Cidr.parse("2001:db8:" + random.nextInt(4) + "::/48"));
        }
        Metadata metadata = new Metadata(name, random.nextBoolean() ? null : pick(NAMESPACES), randomLabels(2), null);
        networkSets.put(name, metadata.namespace() == null ? new GlobalNetworkSet(metadata, new NetworkSetSpec(nets))
                : new NetworkSet(metadata, new NetworkSetSpec(nets)));
    }

    private Map<String, String> randomLabels(int most) {
        Map<String, String> labels = new HashMap<>();
        int count = random.nextInt(most + 1);
        for (int i = 0; i < count; i++) {
            labels.put(pick(KEYS), pick(VALUES));
        }
        return labels;
    }

    private SetKey randomKey() {
        Selector selector = Selector.parse(randomSelector(2));
        int version = random.nextBoolean() ? 4 : 6;
        if (random.nextInt(3) == 0) {
            return SetKey.namedPort(selector, Protocol.parse(random.nextBoolean() ? "tcp" : "udp"), pick(PORT_NAMES), version);
        }
        return SetKey.of(selector, version);
    }

    private String randomSelector(int depth) {
        if (depth > 0 && random.nextInt(3) == 0) {
            String operator = random.nextBoolean() ? " && " : " || ";
            return "(" + randomSelector(depth - 1) + operator + randomSelector(depth - 1) + ")";
        }
        String key = random.nextInt(4) == 0 ? "pcns." + pick(KEYS) : pick(KEYS);
        return switch (random.nextInt(8)) {
            case 0 -> "has(" + key + ")";
            case 1 -> "!has(" + key + ")";
            case 2 -> key + " != '" + pick(VALUES) + "'";
            case 3 -> key + " in {'" + pick(VALUES) + "', '" + pick(VALUES) + "'}";
            case 4 -> "projectcalico.org/namespace == '" + pick(NAMESPACES) + "'";
            case 5 -> random.nextBoolean() ? "global()" : "all()";
            default -> key + " == '" + pick(VALUES) + "'";
        };
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
