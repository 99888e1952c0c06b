package org.jcalico.felix.dataplane.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.model.FelixConfiguration;
import org.junit.jupiter.api.Test;

class HoldPlannerTest {
    /** Calc's rules for a host with no endpoint, on iptables: the hold rules first in jc-FORWARD and jc-wl-to-host. */
    private static final HostState CALC = new HostStateCalculator().calculate(
            Snapshot.of("h1", FelixConfiguration.DEFAULTS, List.of(), Map.of()));

    private static IptablesUpdate hold(IptablesState desired, IptablesSnapshot observed) {
        return HoldPlanner.plan(desired, observed, RuleHash::of);
    }

    /** What the kernel holds once DESIRED is written. */
    private static IptablesSnapshot written(IptablesState desired) {
        return IptablesPlanner.plan(desired, IptablesSnapshot.EMPTY, RuleHash::of).after();
    }

    /** DESIRED as an earlier version (before session 53) wrote it: no rule matches a hold set. */
    private static IptablesState withoutTheHold(IptablesState desired) {
        String hold = HostState.holdSet(desired.version());
        Map<String, Map<String, Chain>> tables = new TreeMap<>();
        desired.tables().forEach((table, chains) -> {
            Map<String, Chain> kept = new TreeMap<>();
            chains.values().forEach(chain -> kept.put(chain.name(), new Chain(chain.name(),
                    chain.rules().stream().filter(rule -> !rule.contains(hold)).toList())));
            tables.put(table, kept);
        });
        return new IptablesState(desired.version(), tables, desired.hooks());
    }

    @Test
    void anEarlierVersionsChainsGetTheHoldWhereCalcHasItAndNothingElse() {
        for (IptablesState desired : List.of(CALC.ipv4(), CALC.ipv6())) {
            IptablesUpdate update = hold(desired, written(withoutTheHold(desired)));
            int neighbourDiscovery = desired.version() == 4 ? 0 : 3;
            String input = update.restoreInput();
            // after jc-FORWARD's mark of what it saw (session 64), which the kernel's chain has first as calc does
            assertTrue(input.startsWith("*filter\n-I jc-FORWARD 2 ") && input.endsWith("COMMIT\n"), input);
            assertTrue(input.contains("\n-I jc-FORWARD 3 "), input);
            // after jc-wl-to-host's mark of what it saw (session 65) and neighbour discovery
            assertTrue(input.contains("\n-I jc-wl-to-host " + (neighbourDiscovery + 2) + " "), input);
            assertTrue(input.contains("\n-I jc-wl-to-host " + (neighbourDiscovery + 3) + " "), input);
            assertEquals(4, update.changes().count(Change.RULES_INSERTED));
            assertEquals(4, input.lines().filter(line -> line.contains("--match-set " + HostState.holdSet(desired.version()) + " ")).count());
            // the apply's restore after it finds those chains as calc wants them
            assertEquals(written(desired), update.after());
            assertTrue(IptablesPlanner.plan(desired, update.after(), RuleHash::of).isEmpty());
        }
    }

    /**
     * DESIRED as session 56 wrote it: the hold rules read the set before the connection state (the same packets
     * dropped, the set looked up for every packet).
     */
    private static IptablesState withTheSetFirst(IptablesState desired) {
        String state = "-m conntrack --ctstate NEW,INVALID,UNTRACKED ";
        String hold = "--match-set " + HostState.holdSet(desired.version()) + " ";
        Map<String, Chain> chains = new TreeMap<>();
        desired.chains("filter").values().forEach(chain -> chains.put(chain.name(), new Chain(chain.name(),
                chain.rules().stream().map(rule -> rule.contains(hold) && rule.startsWith(state)
                        ? rule.substring(state.length()).replace(" -j DROP", " " + state + "-j DROP") : rule).toList())));
        return new IptablesState(desired.version(), Map.of("filter", chains), desired.hooks());
    }

    @Test
    void holdRulesThatReadTheSetFirstGetCalcsAheadOfThemAndTheApplyRewritesTheChains() {
        IptablesState desired = CALC.ipv4();
        IptablesState before = withTheSetFirst(desired);
        assertTrue(before.chains("filter").get("jc-FORWARD").rules().get(1).startsWith("-m set --match-set jc-4-hold src -m conntrack"),
                before.chains("filter").get("jc-FORWARD").rules().toString());
        IptablesUpdate update = hold(desired, written(before));
        // only drops inserted: for the moment until the apply's restore both pairs are in force
        assertEquals(4, update.changes().count(Change.RULES_INSERTED));
        List<String> forward = update.after().table("filter").chains().get("jc-FORWARD");
        assertEquals(RuleHash.of(desired.chains("filter").get("jc-FORWARD")).subList(0, 3), forward.subList(0, 3));
        IptablesUpdate apply = IptablesPlanner.plan(desired, update.after(), RuleHash::of);
        assertEquals(written(desired), apply.after(), "the apply's restore leaves calc's rules alone");
    }

    @Test
    void rulesThatHaveTheHoldNeedNothing() {
        IptablesUpdate update = hold(CALC.ipv6(), written(CALC.ipv6()));
        assertTrue(update.isEmpty());
        assertEquals(written(CALC.ipv6()), update.after());
    }

    @Test
    void aChainLaidOutOtherwiseGetsTheHoldAtItsTop() {
        IptablesState desired = CALC.ipv6();
        Chain toHost = desired.chains("filter").get("jc-wl-to-host");
        Map<String, Chain> chains = new TreeMap<>(withoutTheHold(desired).chains("filter"));
        chains.put(toHost.name(), new Chain(toHost.name(), List.of("-j ACCEPT")));
        IptablesUpdate update = hold(desired, written(new IptablesState(6, Map.of("filter", chains), desired.hooks())));
        assertTrue(update.restoreInput().contains("\n-I jc-wl-to-host 1 "), update.restoreInput());
        assertTrue(update.restoreInput().contains("\n-I jc-wl-to-host 2 "), update.restoreInput());
        assertEquals(List.of(RuleHash.of(toHost).get(4), RuleHash.of(toHost).get(5), RuleHash.of("jc-wl-to-host", "-j ACCEPT")),
                update.after().table("filter").chains().get(toHost.name()));
    }

    @Test
    void aChainTheKernelLacksGetsNothing() {
        assertTrue(hold(CALC.ipv4(), IptablesSnapshot.EMPTY).isEmpty());
    }
}
