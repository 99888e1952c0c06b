package org.jcalico.felix.dataplane.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IptablesState;
import org.junit.jupiter.api.Test;

class IptablesPlannerTest {
    static final Chain FORWARD = new Chain("jc-FORWARD", List.of("-i jc+ -j jc-from", "-o jc+ -j ACCEPT"));
    static final Chain FROM = new Chain("jc-from", List.of("-m conntrack --ctstate INVALID -j DROP", "-j RETURN"));
    static final Hook HOOK = new Hook("filter", "FORWARD", "-j jc-FORWARD");

    static IptablesState state(List<Hook> hooks, Chain... chains) {
        Map<String, Chain> filter = new java.util.TreeMap<>();
        for (Chain chain : chains) {
            filter.put(chain.name(), chain);
        }
        return new IptablesState(4, Map.of("filter", filter), hooks);
    }

    static IptablesUpdate plan(IptablesState desired, IptablesSnapshot observed) {
        return IptablesPlanner.plan(desired, observed, RuleHash::of);
    }

    @Test
    void fromEmptyWritesEveryChainAndTheHook() {
        IptablesUpdate update = plan(state(List.of(HOOK), FORWARD, FROM), IptablesSnapshot.EMPTY);
        String hookHash = RuleHash.of("FORWARD", 1, "-j jc-FORWARD");
        // the hook and the conntrack INVALID rule tagged; the plain shapes untagged (RuleHash.written)
        assertEquals("""
                *filter
                :jc-FORWARD - [0:0]
                :jc-from - [0:0]
                -I FORWARD 1 -m comment --comment "jc:%s" -j jc-FORWARD
                -A jc-FORWARD -i jc+ -j jc-from
                -A jc-FORWARD -o jc+ -j ACCEPT
                -A jc-from -m conntrack --ctstate INVALID -m comment --comment "jc:%s" -j DROP
                -A jc-from -j RETURN
                COMMIT
                """.formatted(hookHash, RuleHash.of("jc-from", "-m conntrack --ctstate INVALID -j DROP")),
                update.restoreInput());
        assertEquals(2, update.changes().count(Change.CHAINS_WRITTEN));
        assertEquals(1, update.changes().count(Change.HOOKS_WRITTEN));
    }

    @Test
    void whatWasWrittenNeedsNothingMore() {
        IptablesState desired = state(List.of(HOOK), FORWARD, FROM);
        IptablesUpdate first = plan(desired, IptablesSnapshot.EMPTY);
        IptablesUpdate second = plan(desired, first.after());
        assertTrue(second.isEmpty());
        assertEquals(first.after(), second.after());
    }

    @Test
    void readBackOfWhatWasWrittenMatchesTheSnapshot() {
        IptablesUpdate update = plan(state(List.of(HOOK), FORWARD, FROM), IptablesSnapshot.EMPTY);
        String save = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n" + update.restoreInput()
                .replace("*filter\n", "").replace("-I FORWARD 1 ", "-A FORWARD ");
        assertEquals(update.after(), IptablesSaveParser.parse(save));
    }

    @Test
    void onlyTheChangedChainIsRewritten() {
        IptablesSnapshot before = plan(state(List.of(HOOK), FORWARD, FROM), IptablesSnapshot.EMPTY).after();
        Chain changed = new Chain("jc-from", List.of("-j DROP"));
        IptablesUpdate update = plan(state(List.of(HOOK), FORWARD, changed), before);
        assertEquals("*filter\n:jc-from - [0:0]\n-A jc-from -j DROP\nCOMMIT\n", update.restoreInput());
        assertEquals(1, update.changes().count(Change.CHAINS_WRITTEN));
    }

    @Test
    void rulesAddedAnywhereInAChainAreInsertedWithoutRewritingIt() {
        Chain leaf = new Chain("jc-leaf", List.of("-i jca -j ACCEPT", "-i jcc -j ACCEPT", "-j DROP"));
        IptablesSnapshot before = plan(state(List.of(HOOK), FORWARD, leaf), IptablesSnapshot.EMPTY).after();
        Chain grown = new Chain("jc-leaf", List.of("-i jc0 -j ACCEPT", "-i jca -j ACCEPT", "-i jcb -j ACCEPT",
                "-i jcc -j ACCEPT", "-j DROP"));
        IptablesUpdate update = plan(state(List.of(HOOK), FORWARD, grown), before);
        assertEquals("*filter\n"
                + "-I jc-leaf 1 -i jc0 -j ACCEPT\n"
                + "-I jc-leaf 3 -i jcb -j ACCEPT\n"
                + "COMMIT\n", update.restoreInput());
        assertEquals(2, update.changes().count(Change.RULES_INSERTED));
        assertEquals(0, update.changes().count(Change.CHAINS_WRITTEN));
        assertEquals(RuleHash.of(grown), update.after().table("filter").chains().get("jc-leaf"));

        Chain reordered = new Chain("jc-leaf", List.of("-i jcc -j ACCEPT", "-i jca -j ACCEPT", "-i jcd -j ACCEPT", "-j DROP"));
        assertTrue(plan(state(List.of(HOOK), FORWARD, reordered), before).restoreInput().contains(":jc-leaf - [0:0]\n"),
                "a chain whose old rules moved is rewritten");
    }

    @Test
    void aChainNoLongerDesiredIsFlushedThenDeletedAfterTheRewrites() {
        IptablesSnapshot before = plan(state(List.of(HOOK), FORWARD, FROM), IptablesSnapshot.EMPTY).after();
        Chain forward = new Chain("jc-FORWARD", List.of("-j ACCEPT"));
        IptablesUpdate update = plan(state(List.of(HOOK), forward), before);
        List<String> lines = update.restoreInput().lines().toList();
        assertEquals(List.of("*filter", ":jc-FORWARD - [0:0]", ":jc-from - [0:0]"), lines.subList(0, 3));
        assertEquals(List.of("-X jc-from", "COMMIT"), lines.subList(lines.size() - 2, lines.size()));
        assertEquals(1, update.changes().count(Change.CHAINS_DELETED));
        assertEquals(Map.of("jc-FORWARD", RuleHash.of(forward)), update.after().table("filter").chains());
    }

    @Test
    void aMovedOrDuplicatedHookIsDeletedByContentAndInsertedAtTheTop() {
        String hash = RuleHash.of("FORWARD", 1, "-j jc-FORWARD");
        String spec = "-m comment --comment \"jc:" + hash + "\" -j jc-FORWARD";
        TableState moved = new TableState(Map.of("jc-FORWARD", RuleHash.of(FORWARD)),
                Map.of("FORWARD", List.of(new TaggedRule(2, hash, spec), new TaggedRule(5, hash, spec))));
        IptablesUpdate update = plan(state(List.of(HOOK), FORWARD), new IptablesSnapshot(Map.of("filter", moved)));
        assertEquals("*filter\n-D FORWARD " + spec + "\n-D FORWARD " + spec + "\n-I FORWARD 1 " + spec + "\nCOMMIT\n",
                update.restoreInput());
        assertEquals(2, update.changes().count(Change.HOOKS_REMOVED));
        assertEquals(1, update.changes().count(Change.HOOKS_WRITTEN));
    }

    @Test
    void aStrayTaggedRuleBehindTheHooksIsDeletedAlone() {
        String hash = RuleHash.of("FORWARD", 1, "-j jc-FORWARD");
        String spec = "-m comment --comment \"jc:" + hash + "\" -j jc-FORWARD";
        String stray = "-m comment --comment \"jc:AAAAAAAAAAAAAAAA\" -j jc-old";
        TableState withStray = new TableState(Map.of("jc-FORWARD", RuleHash.of(FORWARD)),
                Map.of("FORWARD", List.of(new TaggedRule(1, hash, spec), new TaggedRule(4, "AAAAAAAAAAAAAAAA", stray))));
        IptablesUpdate update = plan(state(List.of(HOOK), FORWARD), new IptablesSnapshot(Map.of("filter", withStray)));
        assertEquals("*filter\n-D FORWARD " + stray + "\nCOMMIT\n", update.restoreInput());
        assertEquals(Map.of(Change.HOOKS_REMOVED, 1), update.changes().counts());
    }

    @Test
    void hooksOfOneChainTakeTheFirstPositionsInOrder() {
        Hook second = new Hook("filter", "FORWARD", "-j jc-second");
        IptablesUpdate update = plan(state(List.of(HOOK, second), FORWARD, new Chain("jc-second", List.of())),
                IptablesSnapshot.EMPTY);
        assertTrue(update.restoreInput().contains("-I FORWARD 1 -m comment --comment \"jc:"
                + RuleHash.of("FORWARD", 1, "-j jc-FORWARD") + "\" -j jc-FORWARD\n-I FORWARD 2 "));
    }

    @Test
    void hooksNoLongerDesiredAreRemovedEvenInOtherTables() {
        IptablesSnapshot before = plan(new IptablesState(4, Map.of("nat", Map.of("jc-nat", new Chain("jc-nat", List.of()))),
                List.of(new Hook("nat", "POSTROUTING", "-j jc-nat"))), IptablesSnapshot.EMPTY).after();
        IptablesUpdate update = plan(state(List.of()), before);
        String spec = "-m comment --comment \"jc:" + RuleHash.of("POSTROUTING", 1, "-j jc-nat") + "\" -j jc-nat";
        assertEquals("*nat\n:jc-nat - [0:0]\n-D POSTROUTING " + spec + "\n-X jc-nat\nCOMMIT\n", update.restoreInput());
        assertEquals(Map.of(), update.after().tables());
    }

    @Test
    void anUntaggedRuleInAnOwnedChainIsDrift() {
        // a rule put there by hand, told by its text as saved (RuleHash.identify)
        TableState edited = new TableState(Map.of("jc-from", List.of(RuleHash.identify("jc-from", "-s 10.0.0.1/32 -j DROP"))),
                Map.of());
        IptablesUpdate update = plan(state(List.of(), FROM), new IptablesSnapshot(Map.of("filter", edited)));
        assertEquals(1, update.changes().count(Change.CHAINS_WRITTEN));
    }

    @Test
    void aChangeAfterAWriteHashesOnlyTheChainsCalcMadeAnew() {
        Chain leaf = new Chain("jc-leaf", List.of("-i jca -j ACCEPT", "-j DROP"));
        IptablesState written = state(List.of(HOOK), FORWARD, FROM, leaf);
        IptablesSnapshot programmed = plan(written, IptablesSnapshot.EMPTY).after();
        Chain grown = new Chain("jc-leaf", List.of("-i jca -j ACCEPT", "-i jcb -j ACCEPT", "-j DROP"));
        Chain endpoint = new Chain("jc-fw-jcb", List.of("-j ACCEPT"));
        List<String> asked = new java.util.ArrayList<>();
        IptablesUpdate update = IptablesPlanner.plan(state(List.of(HOOK), FORWARD, FROM, grown, endpoint), programmed,
                written, chain -> {
                    asked.add(chain.name());
                    return RuleHash.of(chain);
                });
        assertEquals(List.of("jc-fw-jcb", "jc-leaf"), asked);
        assertEquals(plan(state(List.of(HOOK), FORWARD, FROM, grown, endpoint), programmed).restoreInput(),
                update.restoreInput());
    }

    /**
     * Planning only what calc made anew (against the state that was written) must write, and leave the driver
     * believing, exactly what planning every chain does: over random changes (chains added, grown, rewritten, kept
     * as an equal copy, deleted), in two tables.
     */
    @Test
    void planningTheChangedChainsEqualsPlanningEveryChain() {
        java.util.Random random = new java.util.Random(31);
        Map<String, Map<String, Chain>> tables = new java.util.TreeMap<>();
        IptablesState written = new IptablesState(4, Map.of(), List.of(HOOK));
        IptablesSnapshot programmed = IptablesSnapshot.EMPTY;
        for (int round = 0; round < 300; round++) {
            Map<String, Map<String, Chain>> next = new java.util.TreeMap<>();
            tables.forEach((table, chains) -> next.put(table, new java.util.TreeMap<>(chains)));
            for (int change = random.nextInt(4); change >= 0; change--) {
                Map<String, Chain> chains = next.computeIfAbsent(random.nextBoolean() ? "filter" : "raw",
                        t -> new java.util.TreeMap<>());
                String name = "jc-c" + random.nextInt(100);
                Chain present = chains.get(name);
                switch (random.nextInt(4)) {
                    case 0 -> chains.remove(name);
                    case 1 -> chains.put(name, new Chain(name, present == null ? List.of("-j DROP")
                            : java.util.stream.Stream.concat(java.util.stream.Stream.of("-i jc" + round + " -j ACCEPT"),
                            present.rules().stream()).toList()));
                    case 2 -> chains.put(name, new Chain(name, List.of("-j RETURN", "-i jc" + round + " -j DROP")));
                    default -> {
                        if (present != null) {
                            chains.put(name, new Chain(name, present.rules()));
                        }
                    }
                }
            }
            IptablesState desired = new IptablesState(4, next, List.of(HOOK));
            IptablesUpdate everyChain = plan(desired, programmed);
            IptablesUpdate changedOnly = IptablesPlanner.plan(desired, programmed, written, RuleHash::of);
            assertEquals(everyChain.restoreInput(), changedOnly.restoreInput(), "round " + round);
            assertEquals(everyChain.after(), changedOnly.after(), "round " + round);
            assertEquals(everyChain.changes(), changedOnly.changes(), "round " + round);
            tables = next;
            written = desired;
            programmed = changedOnly.after();
        }
    }
}
