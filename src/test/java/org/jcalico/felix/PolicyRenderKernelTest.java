package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.ipsets.IpSetPlanner;
import org.jcalico.felix.dataplane.ipsets.IpSetSnapshot;
import org.jcalico.felix.dataplane.iptables.IptablesPlanner;
import org.jcalico.felix.dataplane.iptables.IptablesSnapshot;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.dataplane.nftables.NftablesDriver;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.StoredForm;
import org.jcalico.model.Tier;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * "Validation accepts exactly what the dataplane can express", for the policy model: random tiers, policies of both
 * kinds (every rule field: actions, protocols, nets and notNets of both families, selectors, notSelectors,
 * namespaceSelectors with global(), numeric, ranged and named ports, notPorts, icmp/notICMP, ipVersion), network sets
 * and labelled endpoints with named ports, all accepted by validation, calculated by the agent's calc and applied
 * for real with ipset restore and iptables-restore / ip6tables-restore in a scratch namespace ("jctk-render"). When
 * the batch is refused, bisection names the policy to blame. The seed is fixed (-Djcalico.fuzz.seed=N tries another).
 */
@Tag("kernel")
class PolicyRenderKernelTest {
    private static final String NAMESPACE = TestNamespaces.named("jctk-render");
    private static final long SEED = Long.getLong("jcalico.fuzz.seed", 20261130L);
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final List<String> NAMESPACES = List.of("default", "shop", "team-b");
    private static final List<String> SELECTORS = List.of("app == \"web\"", "app in {\"db\", \"lb\"}", "has(role)",
            "!has(app)", "all()", "role != \"x\" && app == \"legacy\"", "pcns.team == \"b\"", "a-set == \"yes\"");
    private static final List<String> NAMESPACE_SELECTORS = List.of("team == \"b\"", "all()", "global()", "has(team)");
    private static final Profile OPEN = new Profile("open", List.of("open"), Map.of(),
            List.of(org.jcalico.model.Rule.allow()), List.of(org.jcalico.model.Rule.allow()));
    private static CommandRunner scratch;
    private final Random random = new Random(SEED);

    @BeforeAll
    static void createNamespace() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(TestNamespaces.named("jctk-"));
        scratch = Namespaces.create(NAMESPACE);
    }

    @AfterAll
    static void deleteNamespace() {
        Namespaces.deleteAll(TestNamespaces.named("jctk-"));
    }

    @Test
    void acceptedPoliciesTiersAndSetsRenderIntoStateTheKernelAccepts() {
        check(FelixConfiguration.DEFAULTS);
    }

    /** The same policies rendered for nftables and applied by its driver (a whole-table replace each time). */
    @Test
    void andIntoNftablesStateTheKernelAccepts() {
        check(FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES));
    }

    private void check(FelixConfiguration config) {
        List<Tier> tiers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Map<String, Object> spec = new LinkedHashMap<>();
            maybe(spec, "order", 0.7, () -> random.nextInt(3) * 10.0);
            maybe(spec, "defaultAction", 0.5, () -> pick(List.of("Deny", "Pass")));
            tiers.add(decode(resource(Tier.KIND, "tier" + i, null, spec), Tier.class));
        }
        List<Policy> policies = new ArrayList<>();
        for (int attempt = 0; attempt < 3000 && policies.size() < 250; attempt++) {
            Policy policy = policy(attempt);
            if (policy != null) {
                policies.add(policy);
            }
        }
        List<LabelledNets> sets = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Map<String, Object> spec = Map.of("nets", List.of(net(4), net(6)));
            Map<String, String> labels = Map.of("a-set", "yes", "app", pick(List.of("web", "db")));
            sets.add(i % 2 == 0 ? decode(resource(GlobalNetworkSet.KIND, "gs" + i, null, spec, labels), GlobalNetworkSet.class)
                    : decode(resource(NetworkSet.KIND, "ns" + i, pick(NAMESPACES), spec, labels), NetworkSet.class));
        }
        Map<String, Namespace> namespaces = new TreeMap<>();
        namespaces.put("team-b", new Namespace("team-b", Map.of("team", "b")));
        namespaces.put("shop", new Namespace("shop", Map.of("team", "a")));
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            endpoints.add(endpoint(i));
        }
        long rules = policies.stream().mapToLong(p -> p.spec().ingress().size() + p.spec().egress().size()).sum();
        assertTrue(policies.size() >= 200 && rules >= 400, policies.size() + " policies with " + rules + " rules");

        Function<List<Policy>, String> refusal = batch -> refusal(new HostStateCalculator().calculate(
                Snapshot.of("h1", config, endpoints, Map.of("open", OPEN))
                        .withPolicy(tiers, batch, sets, namespaces)));
        assertFalse(refusal.apply(policies.subList(0, 0)).contains("error"), "the harness applies an empty policy set");
        HostState all = new HostStateCalculator().calculate(Snapshot.of("h1", config, endpoints,
                Map.of("open", OPEN)).withPolicy(tiers, policies, sets, namespaces));
        assertTrue(all.ipSets().keySet().stream().anyMatch(name -> name.startsWith("jc-4p-")), "named-port sets in use");
        assertTrue(all.ipv4().chains("filter").keySet().stream().filter(name -> name.startsWith("jc-gi-")).count() > 10,
                "policy chains in use");
        String message = refusal.apply(policies);
        if (message.isEmpty()) {
            String kernel = config.dataplaneDriver() == DataplaneDriver.NFTABLES
                    ? scratch.run("nft", "list", "table", "ip", "jcalico").check().stdout()
                    : scratch.run("iptables-save").check().stdout();
            assertTrue(kernel.lines().filter(line -> line.contains("jc-gi-")).count() > 10, "the policy chains are in the kernel");
            return;
        }
        List<Policy> suspects = policies;
        while (suspects.size() > 1) {
            List<Policy> half = suspects.subList(0, suspects.size() / 2);
            suspects = !refusal.apply(half).isEmpty() ? half : suspects.subList(suspects.size() / 2, suspects.size());
        }
        fail("seed " + SEED + ": validation accepted a policy whose rendering the kernel refuses:\n"
                + ResourceCodec.toYaml(List.of((org.jcalico.model.Resource) suspects.get(0))) + refusal.apply(suspects));
    }

    /** Applies the state's sets and rules to the scratch namespace for real (flushing what was there); "" if accepted. */
    private static String refusal(HostState state) {
        if (state.driver() == DataplaneDriver.NFTABLES) {
            NftablesDriver driver = new NftablesDriver(scratch);
            return String.join("\n", driver.apply(state, Set.of()).failures().values());
        }
        StringBuilder refusals = new StringBuilder();
        // every table calc writes (the security table's jc-JUDGED reads the local set: left in, no set could be destroyed)
        for (String table : List.of("filter", "nat", "security")) {
            for (String tool : List.of("iptables", "ip6tables")) {
                scratch.run(tool, "-t", table, "-F");
                scratch.run(tool, "-t", table, "-X");
            }
        }
        scratch.run("ipset", "destroy");
        CommandRunner.Result sets = scratch.run(List.of("ipset", "restore"),
                IpSetPlanner.fill(state.ipSets(), IpSetSnapshot.EMPTY).input().text());
        if (!sets.ok()) {
            refusals.append("ipset: ").append(sets.stderr().strip()).append('\n');
        }
        for (int version : List.of(4, 6)) {
            String input = IptablesPlanner.plan(state.iptables(version), IptablesSnapshot.EMPTY, RuleHash::of).restoreInput();
            CommandRunner.Result result = scratch.run(List.of(version == 4 ? "iptables-restore" : "ip6tables-restore",
                    "--noflush"), input);
            if (!result.ok()) {
                refusals.append("IPv").append(version).append(": ").append(result.stderr().strip()).append('\n');
            }
        }
        return refusals.toString();
    }

    private Policy policy(int index) {
        boolean global = random.nextBoolean();
        Map<String, Object> spec = new LinkedHashMap<>();
        maybe(spec, "tier", 0.6, () -> pick(List.of("tier0", "tier1", "tier2", "tier3", "default")));
        maybe(spec, "order", 0.6, () -> (double) random.nextInt(5));
        maybe(spec, "selector", 0.8, () -> pick(SELECTORS.subList(0, 6)));
        if (global) {
            maybe(spec, "namespaceSelector", 0.2, () -> pick(NAMESPACE_SELECTORS.subList(0, 2)));
        }
        maybe(spec, "types", 0.3, () -> pick(List.of(List.of("Ingress"), List.of("Egress"), List.of("Ingress", "Egress"))));
        maybe(spec, "ingress", 0.8, () -> rules());
        maybe(spec, "egress", 0.6, () -> rules());
        try {
            return global ? decode(resource(GlobalNetworkPolicy.KIND, "p" + index, null, spec), GlobalNetworkPolicy.class)
                    : decode(resource(NetworkPolicy.KIND, "p" + index, pick(NAMESPACES), spec), NetworkPolicy.class);
        } catch (ValidationException e) {
            return null;
        }
    }

    private List<Object> rules() {
        List<Object> rules = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
            rules.add(rule());
        }
        return rules;
    }

    private Map<String, Object> rule() {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("action", pick(List.of("Allow", "Deny", "Pass", "Log")));
        String protocol = pick(List.of("TCP", "UDP", "SCTP", "ICMP", "ICMPv6", "47", "none"));
        boolean ports = List.of("TCP", "UDP", "SCTP").contains(protocol);
        if (!protocol.equals("none")) {
            rule.put("protocol", protocol);
        } else {
            maybe(rule, "notProtocol", 0.3, () -> pick(List.of("TCP", "UDP", "ICMP")));
        }
        if (protocol.startsWith("ICMP")) {
            maybe(rule, "icmp", 0.5, () -> icmp());
            maybe(rule, "notICMP", 0.3, () -> icmp());
        }
        maybe(rule, "ipVersion", 0.15, () -> random.nextBoolean() ? 4 : 6);
        maybe(rule, "source", 0.6, () -> side(ports));
        maybe(rule, "destination", 0.6, () -> side(ports));
        return rule;
    }

    private Map<String, Object> side(boolean ports) {
        Map<String, Object> side = new LinkedHashMap<>();
        maybe(side, "nets", 0.3, () -> nets());
        maybe(side, "notNets", 0.2, () -> nets());
        maybe(side, "selector", 0.4, () -> pick(SELECTORS));
        maybe(side, "notSelector", 0.2, () -> pick(SELECTORS));
        maybe(side, "namespaceSelector", 0.2, () -> pick(NAMESPACE_SELECTORS));
        maybe(side, "tag", 0.05, () -> "open");
        if (ports) {
            maybe(side, "ports", 0.5, () -> pick(List.of(List.of(80), List.of("http"), List.of(80, "8000:8080", "metrics"),
                    List.of("dns", 53), List.of(random.nextInt(65536)))));
            maybe(side, "notPorts", 0.2, () -> List.of(random.nextInt(65536), "1:1023"));
        }
        return side;
    }

    private List<String> nets() {
        List<String> nets = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            nets.add(net(random.nextBoolean() ? 4 : 6));
        }
        return nets;
    }

    private String net(int version) {
        int prefix = pick(List.of(0, 8, 16, 24, 32));
        if (version == 4) {
            return Cidr.containing(org.jcalico.model.IpAddress.parse("10." + random.nextInt(256) + "." + random.nextInt(256)
                    + ".7"), prefix).toString();
        }
        return Cidr.containing(org.jcalico.model.IpAddress.parse("fd00:" + Integer.toHexString(random.nextInt(65536))
                + "::7"), prefix * 4).toString();
    }

    private Map<String, Object> icmp() {
        Map<String, Object> icmp = new LinkedHashMap<>();
        icmp.put("type", random.nextInt(255));
        maybe(icmp, "code", 0.5, () -> random.nextInt(256));
        return icmp;
    }

    private WorkloadEndpoint endpoint(int i) {
        Map<String, String> labels = new TreeMap<>();
        if (random.nextInt(4) > 0) {
            labels.put("app", pick(List.of("web", "db", "lb", "legacy")));
        }
        if (random.nextBoolean()) {
            labels.put("role", pick(List.of("x", "y")));
        }
        List<EndpointPort> ports = new ArrayList<>();
        if (random.nextBoolean()) {
            ports.add(EndpointPort.parse("http=tcp/" + (1 + random.nextInt(65535))));
        }
        if (random.nextBoolean()) {
            ports.add(EndpointPort.parse("dns=udp/53"));
            ports.add(EndpointPort.parse("metrics=sctp/9100"));
        }
        return new WorkloadEndpoint(i < 15 ? "h1" : "h2", null, "c" + i, "ep" + i, "jc" + Integer.toHexString(0x100 + i), null,
                List.of(Cidr.parse("10.65." + (i / 200) + "." + (1 + i % 200) + "/32")),
                i % 3 == 0 ? List.of() : List.of(Cidr.parse("fd65::" + Integer.toHexString(i + 1) + "/128")),
                List.of("open"), null, pick(NAMESPACES), labels, ports);
    }

    private static Map<String, Object> resource(String kind, String name, String namespace, Map<String, Object> spec) {
        return resource(kind, name, namespace, spec, null);
    }

    private static Map<String, Object> resource(String kind, String name, String namespace, Map<String, Object> spec,
                                                Map<String, String> labels) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        if (namespace != null) {
            metadata.put("namespace", namespace);
        }
        if (labels != null) {
            metadata.put("labels", labels);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", kind);
        out.put("metadata", metadata);
        out.put("spec", spec);
        return out;
    }

    private static <T> T decode(Map<String, Object> raw, Class<T> type) {
        try {
            return type.cast(StoredForm.fromJson(PLAIN.writeValueAsString(raw)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void maybe(Map<String, Object> out, String field, double presence, java.util.function.Supplier<Object> value) {
        if (random.nextDouble() < presence) {
            out.put(field, value.get());
        }
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
