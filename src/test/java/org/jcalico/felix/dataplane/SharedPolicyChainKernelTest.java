package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jcalico.felix.dataplane.WorkloadHost.blocked;
import static org.jcalico.felix.dataplane.WorkloadHost.pings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jcalico.explain.KernelPath;
import org.jcalico.explain.KernelStep;
import org.jcalico.explain.PolicyExplainer;
import org.jcalico.explain.RuleCounters;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.Origin;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.Direction;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.Hit;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Endpoints with the same policies share one chain holding them (docs/dataplane.md, "Shared policy chains"), on each
 * dataplane driver ("jcqs-share-" namespaces): two web endpoints' chains jump to one chain, the only one in the table
 * that jumps to their policy; every pair of three endpoints is let through or dropped exactly as the policy says;
 * `policy explain`'s kernel half reads the shared chain's counters and tells the denial as the end of the tier; an
 * endpoint that may send from another prefix keeps its policy in its own chain; the shared chain goes with the last
 * endpoint that used it.
 */
@Tag("kernel")
class SharedPolicyChainKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcqs-share-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private static final List<Policy> POLICIES = List.of((Policy) ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: web-in}
            spec: {selector: app == "web", ingress: [{action: Allow, source: {selector: app == "db"}}]}
            """).get(0));
    @BeforeAll
    static void kernel() {
        KernelTests.assumeKernel();
    }

    @Test
    void endpointsWithTheSamePoliciesShareOneChainOnIptables() throws Exception {
        share(DataplaneDriver.IPTABLES);
    }

    @Test
    void onNftablesToo() throws Exception {
        share(DataplaneDriver.NFTABLES);
    }

    private void share(DataplaneDriver driver) throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            share(driver, lab, lab.host());
        }
    }

    private void share(DataplaneDriver driver, WorkloadHost lab, CommandRunner host) throws Exception {
        FelixConfiguration config = FelixConfiguration.DEFAULTS.withDataplaneDriver(driver);
        List<CommandRunner> workloads = new ArrayList<>();
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int number = 1; number <= 4; number++) {
            workloads.add(lab.workload(number));
            // w4 is web too, but may send from another prefix: the log could not tell it by address
            endpoints.add(new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of("open"), null, null,
                    Map.of("app", number == 3 ? "db" : "web"), null, null,
                    number == 4 ? List.of(Cidr.parse("10.66.0.0/24")) : List.<Cidr>of()));
        }
        HostStateCalculator calculator = new HostStateCalculator();
        HostState desired = calculator.calculate(snapshot(config, endpoints));
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        assertEquals(Map.of(), dataplane.apply(desired).failures());

        RuleCounters kernel = PolicyExplainer.counters(host, 4, driver);
        String shared = jumpOfLastRule(kernel, "jcw1");
        assertTrue(shared.startsWith("jc-si-"), "w1's chain leaves its policy to a shared chain: " + kernel.chains().get("jc-tw-jcw1"));
        assertEquals(shared, jumpOfLastRule(kernel, "jcw2"), "w2 has w1's policies: the same chain");
        assertNotEquals(shared, jumpOfLastRule(kernel, "jcw3"), "db's policies are another's");
        assertEquals(2, jumpsTo(kernel, DataplaneNames.policy(POLICIES.get(0), Direction.INBOUND)),
                "the policy is jumped to from the shared chain and from w4's own chain only: " + kernel.chains().keySet());
        assertEquals(2, jumpsTo(kernel, DataplaneNames.profile("open", Direction.OUTBOUND)),
                "outbound, w1 to w3 have the same policies (the profile only): their shared chain and w4's own jump to it");

        // every pair, as the policy says: web is reached from db only; db from everyone. The first packets of a host
        // just programmed may wait for its neighbours (once, in the suite, w1 -> w3 on nftables took over 3 s)
        assertTrue(Eventually.within(10, () -> pings(workloads.get(0), 3)), "w1 reaches w3 at all");
        // the twelve pairs at once: each pair's ping is its own, and one after another each drop waited out its second
        Map<String, Future<Boolean>> asExpected = new java.util.LinkedHashMap<>();
        try (ExecutorService pairs = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int from = 1; from <= 4; from++) {
                for (int to = 1; to <= 4; to++) {
                    if (from != to) {
                        boolean allowed = to == 3 || from == 3;
                        CommandRunner sender = workloads.get(from - 1);
                        int target = to;
                        asExpected.put("w" + from + " -> w" + to + " allowed: " + allowed,
                                pairs.submit(() -> allowed ? pings(sender, target) : blocked(sender, target)));
                    }
                }
            }
        }
        for (Map.Entry<String, Future<Boolean>> pair : asExpected.entrySet()) {
            assertTrue(pair.getValue().get(), pair.getKey());
        }

        // policy explain's kernel half follows w1's chain into the shared one and tells its counters
        Map<String, Origin> origins = PolicyExplainer.origins(desired, 4);
        String ingress = DataplaneNames.toEndpoint("jcw1");
        RuleCounters before = PolicyExplainer.counters(host, 4, driver);
        assertTrue(pings(workloads.get(2), 1));
        RuleCounters afterAllowed = PolicyExplainer.counters(host, 4, driver);
        KernelPath allowed = KernelPath.read(afterAllowed.since(before), ingress, origins);
        assertTrue(allowed.decision() instanceof KernelStep.Modelled && allowed.decision().accepts(), allowed.toString());
        assertTrue(allowed.decision().text().contains("web-in"), allowed.decision().text());
        assertTrue(blocked(workloads.get(1), 1));
        KernelPath denied = KernelPath.read(PolicyExplainer.counters(host, 4, driver).since(afterAllowed), ingress, origins);
        assertEquals(new KernelStep.Modelled(new Hit.TierEnd("default", Action.DENY)), denied.decision(), denied.toString());

        // the shared chain stays while an endpoint uses it, and goes with the last one
        assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(config, List.of(endpoints.get(0),
                endpoints.get(2), endpoints.get(3))))).failures());
        assertTrue(PolicyExplainer.counters(host, 4, driver).chains().containsKey(shared), "w1 still uses it");
        assertTrue(pings(workloads.get(2), 1) && blocked(workloads.get(3), 1), "w1's policy holds");
        assertEquals(Map.of(), dataplane.apply(calculator.calculate(snapshot(config, List.of(endpoints.get(2),
                endpoints.get(3))))).failures());
        assertFalse(PolicyExplainer.counters(host, 4, driver).chains().containsKey(shared), "no endpoint uses it");
        DataplaneReport resync = dataplane.resync(calculator.calculate(snapshot(config, List.of(endpoints.get(2),
                endpoints.get(3)))));
        assertEquals(Map.of(), resync.failures());
    }

    private static Snapshot snapshot(FelixConfiguration config, List<WorkloadEndpoint> endpoints) {
        return Snapshot.of("h1", config, endpoints, Map.of("open", OPEN)).withPolicy(List.of(), POLICIES, List.of(), Map.of());
    }

    private static String jumpOfLastRule(RuleCounters kernel, String iface) {
        List<RuleCounters.CountedRule> rules = kernel.chains().get(DataplaneNames.toEndpoint(iface));
        return rules.get(rules.size() - 1).jump();
    }

    private static long jumpsTo(RuleCounters kernel, String chain) {
        return kernel.chains().values().stream().flatMap(List::stream).filter(rule -> chain.equals(rule.jump())).count();
    }
}
