package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jcalico.felix.dataplane.WorkloadHost.pings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.ColdStart;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Another program's nft rule in iptables' own filter table that iptables cannot express (here a connection-count
 * limit, in a chain of its own that nothing jumps to): iptables-save then prints "# Table `filter' is incompatible,
 * use 'nft' tool." instead of the table, and exits 0, so a read-back of the rules sees no chain at all
 * (docs/dataplane.md, "Session 55 (t-hunt)"). An agent restarted then must neither cut its endpoints' traffic (a cold
 * start's guard over the rules in force) nor write over rules it cannot see; it reports the table it cannot read.
 */
@Tag("kernel")
class ForeignNftRuleKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcqs-nft-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    /** w1's ingress from clients only: a set whose members a new client changes. */
    private static final List<Policy> CLIENTS = ResourceCodec.decodeAll("""
            kind: GlobalNetworkPolicy
            metadata: {name: clients}
            spec: {order: 10, selector: app == "web", ingress: [{action: Allow, source: {selector: app == "client"}}, {action: Deny}]}
            """).stream().map(Policy.class::cast).toList();

    @BeforeAll
    static void kernel() {
        KernelTests.assumeKernel();
    }

    @Test
    void aRestartOverAFilterTableIptablesCannotShowKeepsTheEndpointsTrafficAndSaysWhy() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            Dataplane before = new Dataplane(lab.host());
            assertTrue(before.start().failures().isEmpty());
            assertEquals(Map.of(), before.apply(new HostStateCalculator().calculate(snapshot(2))).failures());
            assertTrue(Eventually.within(10, () -> pings(w2, 1)), "w2 reaches w1");
            lab.host().run("nft", "add", "chain", "ip", "filter", "foreign").check();
            lab.host().run("nft", "add", "rule", "ip", "filter", "foreign", "meta", "l4proto", "tcp", "ct", "count", "over",
                    "3", "drop").check();
            assertTrue(lab.host().run("iptables-save").check().stdout().contains("is incompatible"),
                    "iptables-save cannot show the table");

            // restarted, with a change that writes sets (a new remote endpoint): w2 -> w1 is allowed before and after
            Dataplane restarted = new Dataplane(lab.host());
            assertTrue(restarted.start().failures().isEmpty());
            List<String> cut = new ArrayList<>();
            restarted.probeSetWrites(() -> {
                if (!pings(w2, 1)) {
                    cut.add("w2 -> w1 dropped between two ipset messages of the restart's first pass");
                }
            });
            Snapshot changed = snapshot(3);
            Map<String, String> failures = restarted.resync(() -> ColdStart.guard(changed),
                    () -> new HostStateCalculator().calculate(changed)).failures();
            restarted.probeSetWrites(null);
            assertEquals(List.of(), cut, "the restart keeps w2 -> w1 answered");
            assertTrue(pings(w2, 1), "w2 reaches w1 after the restart's first pass");
            assertTrue(failures.getOrDefault("iptables", "").contains("filter"),
                    "the first pass fails naming the table it cannot read: " + failures);
            String forward = lab.host().run("nft", "list", "chain", "ip", "filter", "FORWARD").check().stdout();
            assertEquals(1, forward.lines().filter(line -> line.contains("jump jc-")).count(),
                    "one hook, as before the restart: " + forward);
        }
    }

    /** w1 (web) and w2 on h1, under the profile open and CLIENTS, and ENDPOINTS - 2 clients of h2. */
    private static Snapshot snapshot(int endpoints) {
        List<WorkloadEndpoint> all = new ArrayList<>();
        for (int number = 1; number <= endpoints; number++) {
            all.add(new WorkloadEndpoint(number <= 2 ? "h1" : "h2", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse((number <= 2 ? "10.65.0." : "10.65.1.") + number + "/32")), List.of(), List.of("open"),
                    null, null, Map.of("app", number == 1 ? "web" : "client"), null, null, List.of()));
        }
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS, all, Map.of("open", OPEN))
                .withPolicy(List.of(), CLIENTS, List.of(), Map.of());
    }
}
