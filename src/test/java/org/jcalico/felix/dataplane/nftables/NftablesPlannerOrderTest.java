package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.nftables.NftablesPlanner.Plan;
import org.jcalico.felix.dataplane.nftables.NftablesPlanner.Tables;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.SetPolarity;
import org.junit.jupiter.api.Test;

/**
 * A delta's set changes by polarity (docs/dataplane.md, "A change and the states the kernel passes through"): what
 * tightens in the transaction, what loosens in the later one, so that no mixture of a transaction's sets that a packet
 * may meet allows more than the states before and after; a MIXED set, or one of no known polarity, all at once, a
 * MIXED set's moved addresses held in a transaction before and released after.
 */
class NftablesPlannerOrderTest {
    private static final String SET = "jc-4-s";
    private static final Set<String> BEFORE = Set.of("10.0.0.1/32", "10.0.0.2/32");
    private static final Set<String> AFTER = Set.of("10.0.0.2/32", "10.0.0.3/32");

    @Test
    void aDenyingSetsAddsGoFirstAndItsDeletesAfter() {
        Plan plan = plan(SetPolarity.DENYING, BEFORE, AFTER);
        assertEquals("add element ip jcalico jc-4-s { 10.0.0.3 }\n", plan.script());
        assertEquals("delete element ip jcalico jc-4-s { 10.0.0.1 }\n", plan.later());
    }

    @Test
    void anAllowingSetsDeletesGoFirstAndItsAddsAfter() {
        Plan plan = plan(SetPolarity.ALLOWING, BEFORE, AFTER);
        assertEquals("delete element ip jcalico jc-4-s { 10.0.0.1 }\n", plan.script());
        assertEquals("add element ip jcalico jc-4-s { 10.0.0.3 }\n", plan.later());
    }

    @Test
    void aMixedSetOrOneOfNoKnownPolarityChangesInOneTransaction() {
        for (SetPolarity polarity : java.util.Arrays.asList(SetPolarity.MIXED, null)) {
            Plan plan = plan(polarity, BEFORE, AFTER);
            assertEquals("delete element ip jcalico jc-4-s { 10.0.0.1 }\nadd element ip jcalico jc-4-s { 10.0.0.3 }\n", plan.script());
            assertEquals("", plan.later());
        }
    }

    @Test
    void aMixedSetsMovedAddressesAreHeldBeforeAndReleasedAfter() {
        Plan mixed = plan(SetPolarity.MIXED, BEFORE, AFTER);
        assertEquals("add element ip jcalico jc-4-hold { 10.0.0.1/32, 10.0.0.3/32 }\n", mixed.hold());
        assertEquals("flush set ip jcalico jc-4-hold\n", mixed.release());
        Plan unknown = plan(null, BEFORE, AFTER);
        assertEquals("", unknown.hold() + unknown.release(), "a set no filter rule reads (the pools') is not held");
        Plan denying = plan(SetPolarity.DENYING, BEFORE, AFTER);
        assertEquals("", denying.hold() + denying.release());
    }

    @Test
    void aMixedChangeWithoutAHoldSetReplacesTheTables() {
        IptablesState v4 = new IptablesState(4, Map.of(), List.of());
        IptablesState v6 = new IptablesState(6, Map.of(), List.of());
        assertEquals(null, NftablesPlanner.delta(new Tables(v4, v6, Map.of(SET, new IpSetSpec(SET, 4, BEFORE))),
                new Tables(v4, v6, Map.of(SET, new IpSetSpec(SET, 4, AFTER))), Map.of(SET, SetPolarity.MIXED)));
    }

    /**
     * A whole replace over a table the kernel holds is bridged: the bridge table made with the same content first, the
     * replace, then the bridge deleted; over none, no bridge; a bridge a crash left alone is deleted after the replace.
     */
    @Test
    void aReplaceOverATableInForceIsBridged() {
        IptablesState v4 = new IptablesState(4, Map.of(), List.of());
        IptablesState v6 = new IptablesState(6, Map.of(), List.of());
        Tables tables = new Tables(v4, v6, Map.of(SET, new IpSetSpec(SET, 4, BEFORE)));
        Plan fresh = NftablesPlanner.replace(tables, Set.of());
        assertEquals(NftablesPlanner.Bridge.NONE, fresh.bridge(), "nothing in force: nothing to bridge");

        Plan over = NftablesPlanner.replace(tables, Set.of("ip jcalico"));
        assertEquals(fresh.script(), over.script(), "the replace itself is the same");
        assertEquals(fresh.script().lines().filter(line -> line.contains("ip jcalico ") || line.endsWith("ip jcalico"))
                        .map(line -> line.replace("ip jcalico", "ip jcalico-bridge")).toList(),
                over.bridge().make().lines().toList(), "the bridge holds what the IPv4 table will");
        assertEquals("add table ip jcalico-bridge\ndelete table ip jcalico-bridge\n", over.bridge().remove());

        Plan left = NftablesPlanner.replace(tables, Set.of("ip6 jcalico-bridge"));
        assertEquals("", left.bridge().make());
        assertEquals("add table ip6 jcalico-bridge\ndelete table ip6 jcalico-bridge\n", left.bridge().remove());
    }

    @Test
    void aSetOfNetworksIsFirstWidenedOrNarrowedThenFilled() {
        Set<String> before = Set.of("10.1.0.0/16");
        Set<String> after = Set.of("10.2.0.0/16");
        Plan denying = plan(SetPolarity.DENYING, before, after);
        assertEquals(Set.of("flush set ip jcalico jc-4-s", "add element ip jcalico jc-4-s { 10.1.0.0/16, 10.2.0.0/16 }"),
                Set.copyOf(denying.script().lines().map(line -> line.replace("10.2.0.0/16, 10.1.0.0/16", "10.1.0.0/16, 10.2.0.0/16")).toList()));
        assertEquals("flush set ip jcalico jc-4-s\nadd element ip jcalico jc-4-s { 10.2.0.0/16 }\n", denying.later());
        Plan allowing = plan(SetPolarity.ALLOWING, before, after);
        assertEquals("flush set ip jcalico jc-4-s\n", allowing.script());
        assertEquals("flush set ip jcalico jc-4-s\nadd element ip jcalico jc-4-s { 10.2.0.0/16 }\n", allowing.later());
    }

    /**
     * An endpoint's dispatch element moved from shared chain A to a shared chain B the change adds: B and its rules in
     * the first transaction, the element left on A, which is in force unchanged; the element moved (deleted and added
     * again) in the repoint transaction, then A and its policy chain deleted; nothing of it in the later one.
     */
    @Test
    void anElementMovingToANewChainStaysOnItsOldOneUntilTheRepointTransaction() {
        Plan plan = moved(List.of("drop"));
        assertEquals("add chain ip jcalico jc-pi-b\nadd chain ip jcalico jc-so-b\n", plan.script().lines()
                .filter(line -> !line.startsWith("add rule ")).map(line -> line + "\n").reduce("", String::concat),
                "B made, nothing of A's or of the element");
        assertEquals("""
                delete element ip jcalico jc-to-map { "jcw1" }
                add element ip jcalico jc-to-map { "jcw1" : goto jc-so-b }
                flush chain ip jcalico jc-pi-a
                flush chain ip jcalico jc-so-a
                delete chain ip jcalico jc-pi-a
                delete chain ip jcalico jc-so-a
                """, plan.repoint());
        assertEquals("", plan.later());
    }

    /**
     * When the change also rewrites a chain the old element reaches (A's policy chain), A is not what was in force:
     * the element is deleted in the first transaction and added in the later one (its packets meet the map's drop
     * between them), as before the repoint transaction, and there is none.
     */
    @Test
    void anElementWhoseOldChainTheChangeRewritesIsDeletedFirst() {
        Plan plan = moved(List.of("ip saddr 10.0.0.9 drop"));
        assertEquals(true, plan.script().contains("delete element ip jcalico jc-to-map { \"jcw1\" }\n"), plan.script());
        assertEquals("", plan.repoint());
        assertEquals("add element ip jcalico jc-to-map { \"jcw1\" : goto jc-so-b }\n", plan.later());
    }

    /**
     * jcw1's element from jc-so-a (jumping to jc-pi-a, "drop") to a new jc-so-b (jumping to jc-pi-b); jc-pi-a kept
     * with RULES after when they are not "drop", else gone with jc-so-a.
     */
    private static Plan moved(List<String> rules) {
        java.util.function.BiFunction<String, Map<String, org.jcalico.felix.hoststate.Chain>, IptablesState> state =
                (to, chains) -> {
                    Map<String, org.jcalico.felix.hoststate.Chain> all = new java.util.TreeMap<>(chains);
                    all.put("jc-to", new org.jcalico.felix.hoststate.Chain("jc-to",
                            List.of("oifname vmap @jc-to-map"), null, List.of(new org.jcalico.felix.hoststate.VerdictMap(
                            "jc-to-map", "oifname", "ifname", org.jcalico.util.PersistentSortedMap.copyOf(
                            Map.of("\"jcw1\"", "goto " + to))))));
                    return new IptablesState(4, Map.of("filter", all), List.of());
                };
        org.jcalico.felix.hoststate.Chain a = new org.jcalico.felix.hoststate.Chain("jc-so-a", List.of("jump jc-pi-a"));
        org.jcalico.felix.hoststate.Chain b = new org.jcalico.felix.hoststate.Chain("jc-so-b", List.of("jump jc-pi-b"));
        Map<String, org.jcalico.felix.hoststate.Chain> after = new java.util.TreeMap<>(Map.of("jc-so-b", b, "jc-pi-b",
                new org.jcalico.felix.hoststate.Chain("jc-pi-b", List.of("accept"))));
        if (!rules.equals(List.of("drop"))) {
            after.put("jc-pi-a", new org.jcalico.felix.hoststate.Chain("jc-pi-a", rules));
        }
        IptablesState v6 = new IptablesState(6, Map.of(), List.of());
        return NftablesPlanner.delta(new Tables(state.apply("jc-so-a", Map.of("jc-so-a", a, "jc-pi-a",
                        new org.jcalico.felix.hoststate.Chain("jc-pi-a", List.of("drop")))), v6, Map.of()),
                new Tables(state.apply("jc-so-b", after), v6, Map.of()), Map.of());
    }

    /** The delta of the IPv4 set SET from HELD to WANTED members, of POLARITY (null: not known). */
    private static Plan plan(SetPolarity polarity, Set<String> held, Set<String> wanted) {
        IptablesState v4 = new IptablesState(4, Map.of(), List.of());
        IptablesState v6 = new IptablesState(6, Map.of(), List.of());
        Map<String, SetPolarity> polarities = polarity == null ? Map.of() : Map.of(SET, polarity);
        IpSetSpec hold = new IpSetSpec(HostState.holdSet(4), 4, Set.of());
        return NftablesPlanner.delta(new Tables(v4, v6, Map.of(SET, new IpSetSpec(SET, 4, held), hold.name(), hold)),
                new Tables(v4, v6, Map.of(SET, new IpSetSpec(SET, 4, wanted), hold.name(), hold)), polarities);
    }
}
