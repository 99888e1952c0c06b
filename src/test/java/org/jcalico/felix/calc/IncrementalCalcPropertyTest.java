package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Namespace;
import org.jcalico.model.Policy;
import org.jcalico.model.Protocol;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * What the agent's one long-lived calculator keeps between changes (per-endpoint policy, the local part, compiled
 * policies, selector sets, the renderer's chains by object and by equality) must never show: after every step of a
 * random sequence of changes (local endpoints added and removed, local and remote labels changed, policies changed,
 * added and removed), its host state equals a calculation from nothing by a new calculator.
 */
class IncrementalCalcPropertyTest {
    private static final long SEED = 20261130L;
    private static final int STEPS = 60;
    private static final List<String> APPS = List.of("a", "b", "c", "d");
    private final Random random = new Random(SEED);
    private int next;

    @Test
    void theKeptCalculatorAgreesWithOneFromNothingAfterEveryChange() {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            endpoints.add(endpoint(random.nextBoolean() ? "local" : "remote"));
        }
        List<Policy> policies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            policies.add(policy(i));
        }
        Map<String, Namespace> namespaces = Map.of("ns-0", new Namespace("ns-0", Map.of("team", "x")),
                "ns-1", new Namespace("ns-1", Map.of("team", "y")));
        HostStateCalculator kept = new HostStateCalculator();
        for (int step = 0; step < STEPS; step++) {
            switch (random.nextInt(5)) {
                case 0 -> endpoints.add(endpoint(random.nextBoolean() ? "local" : "remote"));
                case 1 -> {
                    if (endpoints.size() > 1) {
                        endpoints.remove(random.nextInt(endpoints.size()));
                    }
                }
                case 2 -> {
                    int i = random.nextInt(endpoints.size());
                    endpoints.set(i, endpoints.get(i).withLabels(labels()));
                }
                case 3 -> policies.set(random.nextInt(policies.size()), policy(random.nextInt(8)));
                default -> {
                    if (random.nextBoolean() || policies.size() < 2) {
                        policies.add(policy(5 + random.nextInt(3)));
                    } else {
                        policies.remove(random.nextInt(policies.size()));
                    }
                }
            }
            List<Policy> distinct = new ArrayList<>(policies.stream()
                    .collect(java.util.stream.Collectors.toMap(policy -> policy.metadata().name(), policy -> policy,
                            (first, second) -> second, java.util.LinkedHashMap::new)).values());
            Snapshot snapshot = Snapshot.of("local", FelixConfiguration.DEFAULTS, endpoints, Map.of())
                    .withPolicy(List.of(), distinct, List.of(), namespaces);
            HostState incremental = kept.calculate(snapshot);
            HostState full = new HostStateCalculator().calculate(snapshot);
            assertEquals(full, incremental, "step " + step);
        }
    }

    private WorkloadEndpoint endpoint(String node) {
        int index = next++;
        Cidr v4 = Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)));
        Cidr v6 = Cidr.host(Cidr.parse("fd96::/64").addressAt(BigInteger.valueOf(index)));
        return new WorkloadEndpoint(node, "k8s", "pod-" + index, "e" + index, "jcx" + index, null, List.of(v4),
                List.of(v6), List.of(), null, "ns-" + index % 2, labels(),
                List.of(new EndpointPort("http", Protocol.parse("tcp"), 8000 + random.nextInt(3))));
    }

    private Map<String, String> labels() {
        return Map.of("app", APPS.get(random.nextInt(APPS.size())), "tier", random.nextBoolean() ? "web" : "db");
    }

    private Policy policy(int k) {
        String app = APPS.get(random.nextInt(APPS.size()));
        String peer = APPS.get(random.nextInt(APPS.size()));
        String action = random.nextInt(4) == 0 ? "Deny" : "Allow";
        return (Policy) ResourceCodec.decodeAll("""
                apiVersion: projectcalico.org/v3
                kind: GlobalNetworkPolicy
                metadata: {name: p-%d}
                spec:
                  order: %d
                  selector: app == '%s'
                  ingress:
                  - {action: %s, protocol: TCP, source: {selector: app == '%s'}, destination: {ports: [%d, http]}}
                  - {action: Allow, source: {namespaceSelector: team == 'x'}}
                  egress:
                  - {action: Allow, destination: {selector: tier == 'db'}}
                """.formatted(k, random.nextInt(3), app, action, peer, 80 + random.nextInt(3))).getFirst();
    }
}
