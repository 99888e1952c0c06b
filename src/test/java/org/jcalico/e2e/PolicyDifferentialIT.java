package org.jcalico.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.e2e.RandomPolicy.Scenario;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A randomized differential test: random labels on the 9 pods and their namespaces, random tiers (order,
 * defaultAction) and random policies (global and namespaced, selectors, orders, types, rules with Allow, Deny, Pass
 * and Log, protocols, ports, namespaceSelector, notSelector), applied as Calico v3 YAML; the verdict of
 * {@link PolicyOracle}, written from docs/policy.md alone, against kernel probes (TCP 80, 81, UDP 80, both families)
 * for every pair. The seed is printed, and is taken from -Djcalico.e2e.seed to replay a failure.
 */
@Tag("kernel")
class PolicyDifferentialIT {
    private static final int ROUNDS = 4;
    private static PodLab lab;
    private final Map<String, Map<String, String>> podLabels = new HashMap<>();
    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();

    @BeforeAll
    static void up() {
        lab = PodLab.netpolModel("jctzr");
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void theKernelAgreesWithAnIndependentReadingOfThePolicyModel() {
        long seed = Long.getLong("jcalico.e2e.seed", 20261130L);
        System.out.println("[jctzr] differential test, seed " + seed + " (replay with -Djcalico.e2e.seed=" + seed + ")");
        List<String> pods = lab.pods().stream().map(Pod::id).toList();
        List<String> namespaces = lab.pods().stream().map(Pod::namespace).distinct().toList();
        for (int round = 0; round < ROUNDS; round++) {
            Scenario scenario = RandomPolicy.generate(seed + round, pods, namespaces);
            relabel(scenario);
            lab.apply(scenario.yaml());
            try {
                PolicyOracle oracle = new PolicyOracle(scenario);
                Map<Cell, Boolean> expected = new LinkedHashMap<>();
                for (Cell cell : lab.allCells()) {
                    expected.put(cell, oracle.allowed(cell.from(), cell.to(), cell.traffic()));
                }
                long allowed = expected.values().stream().filter(b -> b).count();
                System.out.printf("[jctzr] round %d (seed %d): %d of %d probes expected allowed%n", round, seed + round,
                        allowed, expected.size());
                try {
                    lab.assertEventually("round " + round, expected, 10);
                } catch (AssertionError e) {
                    fail("seed " + (seed + round) + " (round " + round + " of base seed " + seed + "): " + e.getMessage()
                            + "\npod labels: " + scenario.podLabels() + "\nnamespace labels: " + scenario.namespaceLabels()
                            + "\npolicies:\n" + scenario.yaml());
                }
            } finally {
                lab.reset();
            }
        }
    }

    /** Gives pods and namespaces the scenario's labels, removing those of the last round it no longer has. */
    private void relabel(Scenario scenario) {
        for (var entry : scenario.podLabels().entrySet()) {
            List<String> edits = edits(podLabels.getOrDefault(entry.getKey(), Map.of()), entry.getValue());
            if (!edits.isEmpty()) {
                List<String> command = new ArrayList<>(List.of("container", "label", "netns:" + lab.pod(entry.getKey()).netns()));
                command.addAll(edits);
                lab.jc(command.toArray(String[]::new));
            }
            podLabels.put(entry.getKey(), entry.getValue());
        }
        for (var entry : scenario.namespaceLabels().entrySet()) {
            List<String> edits = edits(namespaceLabels.getOrDefault(entry.getKey(), Map.of()), entry.getValue());
            if (!edits.isEmpty()) {
                List<String> command = new ArrayList<>(List.of("namespace", "label", entry.getKey()));
                command.addAll(edits);
                lab.jc(command.toArray(String[]::new));
            }
            namespaceLabels.put(entry.getKey(), entry.getValue());
        }
    }

    private static List<String> edits(Map<String, String> before, Map<String, String> after) {
        List<String> edits = new ArrayList<>();
        after.forEach((key, value) -> {
            if (!value.equals(before.get(key))) {
                edits.add(key + "=" + value);
            }
        });
        before.keySet().stream().filter(key -> !after.containsKey(key)).forEach(key -> edits.add(key + "-"));
        return edits;
    }
}
