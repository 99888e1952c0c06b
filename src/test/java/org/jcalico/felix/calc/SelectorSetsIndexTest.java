package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.Namespace;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;
import org.jcalico.policy.EndpointLabels;
import org.junit.jupiter.api.Test;

/**
 * The label index against brute force: a selector that first appears when the cluster's endpoints are already
 * grouped is matched only against the groups the index names as candidates (SelectorSets.candidates), so a group the
 * index leaves out is a member missing from the set. Random labels (endpoints of one kind sharing one labels map, as
 * the cluster's do, and endpoints alike in labels but not in namespace) and random selectors of every form the index
 * reads (==, in, has, and their and / or, under not and beside !=, global(), all()); after each new selector, every
 * set in use is compared with the addresses of the endpoints whose effective labels it matches, found by testing
 * every endpoint. Endpoints keep coming after the index exists, so that its upkeep is checked too. The seed is
 * fixed and printed (-Dselectorindex.seed=N tries another).
 */
class SelectorSetsIndexTest {
    private static final long SEED = Long.getLong("selectorindex.seed", 20261201L);
    private static final List<String> KEYS = List.of("app", "tier", "env", "role", "zone");
    private static final List<String> VALUES = List.of("a", "b", "c", "d");
    private static final List<String> NAMESPACES = List.of("default", "ns1", "ns2");
    private final Random random = new Random(SEED);
    private final List<WorkloadEndpoint> endpoints = new ArrayList<>();
    /** Each endpoint's effective labels (the namespaces do not change). */
    private final List<Map<String, String>> labels = new ArrayList<>();
    private final List<Map<String, String>> kinds = new ArrayList<>();
    private final Map<String, Namespace> namespaces = new HashMap<>();

    @Test
    void setsOfNewSelectorsHoldEveryEndpointTheSelectorMatches() {
        System.out.println("SelectorSetsIndexTest seed " + SEED + " (rerun with -Dselectorindex.seed=" + SEED + ")");
        NAMESPACES.forEach(name -> namespaces.put(name, new Namespace(name, randomLabels(2))));
        for (int i = 0; i < 40; i++) {
            kinds.add(randomLabels(4));
        }
        for (int i = 0; i < 1_500; i++) {
            addEndpoint();
        }
        SelectorSets sets = new SelectorSets();
        Set<SetKey> needed = new HashSet<>();
        // grouped with no selector in use: every selector below is new, matched through the index
        sets.calculate(List.copyOf(endpoints), List.of(), Map.of(), Map.copyOf(namespaces), Set.of());
        for (int step = 0; step < 200; step++) {
            SetKey added = SetKey.of(Selector.parse(randomSelector(3)), 4);
            needed.add(added);
            for (int i = random.nextInt(4); i > 0; i--) {
                addEndpoint();
            }
            Map<String, IpSetSpec> calculated = sets.calculate(List.copyOf(endpoints), List.of(), Map.of(),
                    Map.copyOf(namespaces), needed);
            // the new selector's set every step, all of them (the index's upkeep) every tenth
            for (SetKey key : step % 10 == 9 ? needed : Set.of(added)) {
                assertEquals(bruteForce(key.selector()), new TreeSet<>(calculated.get(key.name()).members()),
                        "step " + step + ", selector " + key.selector());
            }
        }
    }

    private Set<String> bruteForce(Selector selector) {
        Set<String> members = new TreeSet<>();
        for (int i = 0; i < endpoints.size(); i++) {
            if (selector.matches(labels.get(i))) {
                endpoints.get(i).ipv4Nets().forEach(net -> members.addAll(IpSetMembers.net(net)));
            }
        }
        return members;
    }

    /** Most endpoints are of a kind (the same labels map), some have labels of their own. */
    private void addEndpoint() {
        int index = endpoints.size();
        Map<String, String> own = random.nextInt(5) == 0 ? randomLabels(4) : kinds.get(random.nextInt(kinds.size()));
        Cidr address = Cidr.parse("10." + (index >> 16) + "." + (index >> 8 & 255) + "." + (index & 255) + "/32");
        WorkloadEndpoint endpoint = new WorkloadEndpoint("h", null, "c-" + index, "e" + index, "jc" + index, null,
                List.of(address), List.of(), List.of(), null, NAMESPACES.get(random.nextInt(NAMESPACES.size())), own,
                List.of());
        endpoints.add(endpoint);
        labels.add(EndpointLabels.effective(endpoint, Map.of(), namespaces));
    }

    private Map<String, String> randomLabels(int most) {
        Map<String, String> labels = new HashMap<>();
        for (int i = random.nextInt(most + 1); i > 0; i--) {
            labels.put(KEYS.get(random.nextInt(KEYS.size())), VALUES.get(random.nextInt(VALUES.size())));
        }
        return Map.copyOf(labels);
    }

    private String randomSelector(int depth) {
        if (depth > 0 && random.nextInt(2) == 0) {
            return switch (random.nextInt(5)) {
                case 0 -> "!(" + randomSelector(depth - 1) + ")";
                case 1, 2 -> "(" + randomSelector(depth - 1) + " && " + randomSelector(depth - 1) + ")";
                default -> "(" + randomSelector(depth - 1) + " || " + randomSelector(depth - 1) + ")";
            };
        }
        String key = random.nextInt(5) == 0 ? "pcns." + KEYS.get(random.nextInt(KEYS.size()))
                : KEYS.get(random.nextInt(KEYS.size()));
        String value = VALUES.get(random.nextInt(VALUES.size()));
        return switch (random.nextInt(9)) {
            case 0, 1 -> "has(" + key + ")";
            case 2 -> key + " != '" + value + "'";
            case 3, 4 -> key + " in {'" + value + "', '" + VALUES.get(random.nextInt(VALUES.size())) + "'}";
            case 5 -> "projectcalico.org/namespace == '" + NAMESPACES.get(random.nextInt(NAMESPACES.size())) + "'";
            case 6 -> random.nextBoolean() ? "global()" : "all()";
            default -> key + " == '" + value + "'";
        };
    }
}
