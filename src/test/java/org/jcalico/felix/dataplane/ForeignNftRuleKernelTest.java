package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jcalico.felix.dataplane.WorkloadHost.pings;
import static org.jcalico.model.DataplaneDriver.IPTABLES;
import static org.jcalico.model.DataplaneDriver.NFTABLES;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.ColdStart;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
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
            CommandRunner w2 = programmed(lab, IPTABLES);
            addForeignRule(lab, "filter");

            // restarted, with a change that writes sets (a new remote endpoint): w2 -> w1 is allowed before and after
            Dataplane restarted = restarted(lab);
            List<String> cut = new ArrayList<>();
            restarted.probeSetWrites(() -> {
                if (!pings(w2, 1)) {
                    cut.add("w2 -> w1 dropped between two ipset messages of the restart's first pass");
                }
            });
            Map<String, String> failures = firstPass(restarted, snapshot(3, IPTABLES));
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

    /**
     * Under the nftables driver the same table is no concern of the rules (they are nft's own), only of the removal of
     * jcalico's iptables rules, which reads it: when nf_tables shows that it holds no chain of jcalico's, there is
     * nothing to remove from it, the endpoints are programmed (before, every one was `failed` naming the table while
     * the nft rules enforced their policy) and the table is a warning until the foreign rule goes.
     */
    @Test
    void underNftablesATableIptablesCannotShowFailsNoEndpoint() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w2 = programmed(lab, NFTABLES);
            addForeignRule(lab, "filter");

            Dataplane restarted = restarted(lab);
            Snapshot changed = snapshot(3, NFTABLES);
            assertEquals(Map.of(), firstPass(restarted, changed),
                    "no endpoint fails: the nft rules are in force, no jcalico chain is in the table");
            assertTrue(pings(w2, 1), "w2 reaches w1 after the restart's first pass");
            assertWarns(restarted, "ip filter");
            lab.host().run("nft", "delete", "chain", "ip", "filter", "foreign").check();
            restarted.resync(new HostStateCalculator().calculate(changed));
            assertEquals(null, restarted.unreadableTablesWarning(), "the warning goes with the foreign rule");
        }
    }

    /**
     * Under the iptables driver, a table iptables cannot show where jcalico wants nothing (mangle) costs nothing but
     * a warning: before, it failed every endpoint as an unreadable filter table does.
     */
    @Test
    void underIptablesAMangleTableIptablesCannotShowIsAWarning() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w2 = programmed(lab, IPTABLES);
            addForeignRule(lab, "mangle");

            Dataplane restarted = restarted(lab);
            assertEquals(Map.of(), firstPass(restarted, snapshot(3, IPTABLES)));
            assertTrue(Eventually.within(10, () -> pings(w2, 1)), "w2 reaches w1");
            assertWarns(restarted, "ip mangle");
        }
    }

    /**
     * jcalico's iptables rules in the table iptables cannot show (written by the iptables driver before the switch to
     * nftables): they cannot be removed unseen, so they stay, and every endpoint is `failed` naming the table, as
     * before: the old rules, which drop an interface they do not know, would cut a new endpoint beside its nft rules.
     */
    @Test
    void underNftablesJcalicoChainsInATableIptablesCannotShowStayReported() throws Exception {
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            programmed(lab, IPTABLES);
            addForeignRule(lab, "filter");

            Map<String, String> failures = firstPass(restarted(lab), snapshot(2, NFTABLES));
            assertTrue(failures.getOrDefault("iptables", "").contains("filter"), "every endpoint fails naming the table: " + failures);
            assertTrue(lab.host().run("nft", "list", "table", "ip", "filter").check().stdout().contains("chain jc-"),
                    "jcalico's iptables chains stay");
        }
    }

    /** w1 and w2 of the lab, programmed by a Dataplane of DRIVER; w2, which reaches w1. */
    private static CommandRunner programmed(WorkloadHost lab, DataplaneDriver driver) throws Exception {
        lab.workload(1);
        CommandRunner w2 = lab.workload(2);
        Dataplane before = new Dataplane(lab.host());
        assertTrue(before.start().failures().isEmpty());
        assertEquals(Map.of(), before.apply(new HostStateCalculator().calculate(snapshot(2, driver))).failures());
        assertTrue(Eventually.within(10, () -> pings(w2, 1)), "w2 reaches w1");
        return w2;
    }

    /** A new Dataplane on the lab's host, started: the agent's restart. */
    private static Dataplane restarted(WorkloadHost lab) {
        Dataplane restarted = new Dataplane(lab.host());
        assertTrue(restarted.start().failures().isEmpty());
        return restarted;
    }

    /** The failures of a restarted agent's first pass to STATE. */
    private static Map<String, String> firstPass(Dataplane restarted, Snapshot state) {
        return restarted.resync(() -> ColdStart.guard(state), () -> new HostStateCalculator().calculate(state)).failures();
    }

    private static void assertWarns(Dataplane dataplane, String table) {
        String warning = dataplane.unreadableTablesWarning();
        assertTrue(warning != null && warning.contains(table), "the table is a warning: " + warning);
    }

    /** The table made if need be (under nftables jcalico makes none: docker, another program, would). */
    private static void addForeignRule(WorkloadHost lab, String table) {
        lab.host().run("nft", "add", "table", "ip", table).check();
        lab.host().run("nft", "add", "chain", "ip", table, "foreign").check();
        lab.host().run("nft", "add", "rule", "ip", table, "foreign", "meta", "l4proto", "tcp", "ct", "count", "over",
                "3", "drop").check();
        assertTrue(lab.host().run("iptables-save").check().stdout().contains("Table `" + table + "' is incompatible"),
                "iptables-save cannot show the table");
    }

    /** w1 (web) and w2 on h1, under the profile open and CLIENTS, and ENDPOINTS - 2 clients of h2. */
    private static Snapshot snapshot(int endpoints, DataplaneDriver driver) {
        List<WorkloadEndpoint> all = new ArrayList<>();
        for (int number = 1; number <= endpoints; number++) {
            all.add(new WorkloadEndpoint(number <= 2 ? "h1" : "h2", null, "c" + number, "w" + number, "jcw" + number, null,
                    List.of(Cidr.parse((number <= 2 ? "10.65.0." : "10.65.1.") + number + "/32")), List.of(), List.of("open"),
                    null, null, Map.of("app", number == 1 ? "web" : "client"), null, null, List.of()));
        }
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS.withDataplaneDriver(driver), all, Map.of("open", OPEN))
                .withPolicy(List.of(), CLIENTS, List.of(), Map.of());
    }
}
