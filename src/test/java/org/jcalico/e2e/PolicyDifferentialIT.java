package org.jcalico.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.e2e.RandomPolicy.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
    @RegisterExtension
    static final SharedNetpolLab SHARED = new SharedNetpolLab();
    private static PodLab lab;
    private final Map<String, Map<String, String>> podLabels = new HashMap<>();
    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();

    @BeforeAll
    static void up() {
        lab = SHARED.lab();
    }

    /** The shared lab goes back to the model's labels: the scenarios' labels removed. */
    @AfterEach
    void restoreTheLabels() {
        Map<String, Map<String, String>> none = new HashMap<>();
        podLabels.keySet().forEach(pod -> none.put(pod, Map.of()));
        Map<String, Map<String, String>> noNamespaceLabels = new HashMap<>();
        namespaceLabels.keySet().forEach(namespace -> noNamespaceLabels.put(namespace, Map.of()));
        relabel(none, noNamespaceLabels);
    }

    @Test
    void theKernelAgreesWithAnIndependentReadingOfThePolicyModel() {
        long seed = Long.getLong("jcalico.e2e.seed", 20261130L);
        System.out.println("[jctzr] differential test, seed " + seed + " (replay with -Djcalico.e2e.seed=" + seed + ")");
        List<String> pods = lab.pods().stream().map(Pod::id).toList();
        List<String> namespaces = lab.pods().stream().map(Pod::namespace).distinct().toList();
        for (int round = 0; round < ROUNDS; round++) {
            Scenario scenario = RandomPolicy.generate(seed + round, pods, namespaces);
            relabel(scenario.podLabels(), scenario.namespaceLabels());
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

    /**
     * Gives pods and namespaces these labels, removing those of the last round it no longer has; one command
     * per pod or namespace, all at once (each edits its own record).
     */
    private void relabel(Map<String, Map<String, String>> podLabelsNow, Map<String, Map<String, String>> namespaceLabelsNow) {
        List<List<String>> commands = new ArrayList<>();
        for (var entry : podLabelsNow.entrySet()) {
            List<String> edits = edits(podLabels.getOrDefault(entry.getKey(), Map.of()), entry.getValue());
            if (!edits.isEmpty()) {
                List<String> command = new ArrayList<>(List.of("container", "label", "netns:" + lab.pod(entry.getKey()).netns()));
                command.addAll(edits);
                commands.add(command);
            }
            podLabels.put(entry.getKey(), entry.getValue());
        }
        for (var entry : namespaceLabelsNow.entrySet()) {
            List<String> edits = edits(namespaceLabels.getOrDefault(entry.getKey(), Map.of()), entry.getValue());
            if (!edits.isEmpty()) {
                List<String> command = new ArrayList<>(List.of("namespace", "label", entry.getKey()));
                command.addAll(edits);
                commands.add(command);
            }
            namespaceLabels.put(entry.getKey(), entry.getValue());
        }
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<String>> running = commands.stream()
                    .map(command -> pool.submit(() -> lab.jc(command.toArray(String[]::new)))).toList();
            for (var future : running) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error; // a command that failed fails the test with its output
            }
            throw new IllegalStateException(e.getCause());
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
