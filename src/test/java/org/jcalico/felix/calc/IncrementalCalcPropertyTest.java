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
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.FelixConfiguration.EndpointToHostAction;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Namespace;
import org.jcalico.model.Policy;
import org.jcalico.model.Protocol;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.WebAndDb;
import org.junit.jupiter.api.Test;

/**
 * What the agent's one long-lived calculator keeps between changes (per-endpoint policy, the local part, compiled
 * policies, selector sets, the renderer's chains by object and by equality) must never show: after every step of a
 * random sequence of changes (local endpoints added and removed, one at a time and by the dozen so that the dispatch
 * trees grow and lose levels, local and remote labels changed, policies changed, added and removed, the interface
 * prefix, the endpoint-to-host action, the denied-flow log, the dataplane driver, the pools and the local blocks changed; interfaces
 * with and without the prefix, now and then two endpoints with one interface, some naming a profile that does not
 * exist, which fails them closed), its host state equals a
 * calculation from nothing by a new calculator.
 */
class IncrementalCalcPropertyTest {
    private static final long SEED = 20261130L;
    private static final int STEPS = 200;
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
        FelixConfiguration config = FelixConfiguration.DEFAULTS;
        List<IpPool> pools = List.of();
        List<IpamBlock> blocks = List.of();
        for (int step = 0; step < STEPS; step++) {
            switch (random.nextInt(9)) {
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
                case 5 -> {
                    for (int i = random.nextInt(20); i >= 0; i--) {
                        endpoints.add(random.nextInt(12) == 0 && !endpoints.isEmpty()
                                ? sameInterface(endpoints.get(random.nextInt(endpoints.size()))) : endpoint("local"));
                    }
                }
                case 6 -> endpoints.removeIf(endpoint -> endpoints.size() > 1 && random.nextInt(2) == 0);
                case 7 -> config = switch (random.nextInt(5)) {
                    case 0 -> config.withInterfacePrefix(List.of("jc", "jcx", "eth").get(random.nextInt(3)));
                    case 1 -> config.withInterfacePrefix(null);
                    case 2 -> config.withDeniedFlowLogsEnabled(random.nextBoolean());
                    case 3 -> config.withDataplaneDriver(random.nextBoolean() ? DataplaneDriver.NFTABLES : DataplaneDriver.IPTABLES);
                    default -> new FelixConfiguration(config.name(), config.resyncIntervalSeconds(),
                            random.nextBoolean() ? EndpointToHostAction.ACCEPT : EndpointToHostAction.DROP,
                            config.interfacePrefix(), config.logLevel()).merge(config);
                };
                case 8 -> {
                    if (random.nextBoolean()) {
                        pools = random.nextBoolean() ? List.of() : List.of(
                                new IpPool(Cidr.parse("10.96.0.0/12"), random.nextBoolean(), 26, false),
                                new IpPool(Cidr.parse("fd96::/64"), random.nextBoolean(), 122, false));
                    } else {
                        blocks = random.nextBoolean() ? List.of() : List.of(new IpamBlock(Cidr.parse("10.96.0.0/26"),
                                "local", Map.of()), new IpamBlock(Cidr.parse("10.96.0." + 64 * (1 + random.nextInt(3))
                                + "/26"), "local", Map.of()));
                    }
                }
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
            Snapshot policyModel = Snapshot.of("local", config, endpoints, Map.of("open", WebAndDb.OPEN))
                    .withPolicy(List.of(), distinct, List.of(), namespaces);
            Snapshot snapshot = new Snapshot(policyModel.node(), config, endpoints, policyModel.profiles(), pools, blocks, List.of(),
                    List.of(), policyModel.bgp(), List.of(), distinct, List.of(), namespaces);
            HostState incremental = kept.calculate(snapshot);
            HostState full = new HostStateCalculator().calculate(snapshot);
            assertEquals(full, incremental.withoutDeparted(), "step " + step);
        }
    }

    /** Another local endpoint with the interface of ENDPOINT. */
    private WorkloadEndpoint sameInterface(WorkloadEndpoint endpoint) {
        WorkloadEndpoint other = endpoint("local");
        return new WorkloadEndpoint(other.node(), other.orchestrator(), other.containerId(), other.endpointId(),
                endpoint.interfaceName(), null, other.ipv4Nets(), other.ipv6Nets(), List.of(), null, other.namespace(),
                other.labels(), other.ports());
    }

    /** Most interfaces have the default prefix and a hash after it, as the agent names them; some have none. */
    private WorkloadEndpoint endpoint(String node) {
        int index = next++;
        String iface = random.nextInt(8) == 0 ? "eth" + index
                : random.nextInt(8) == 0 ? "jcx" + index : "jc" + Integer.toHexString(index * 0x9E3779B1 >>> 8);
        Cidr v4 = Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)));
        Cidr v6 = Cidr.host(Cidr.parse("fd96::/64").addressAt(BigInteger.valueOf(index)));
        return new WorkloadEndpoint(node, "k8s", "pod-" + index, "e" + index, iface, null, List.of(v4),
                List.of(v6), random.nextInt(10) == 0 ? List.of("absent") : random.nextBoolean() ? List.of("open") : List.of(),
                null, "ns-" + index % 2, labels(),
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
