package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.render.ChainChanges;
import org.jcalico.kernel.CommandText;
import org.jcalico.util.PersistentSortedMap;

/**
 * Diffs the desired iptables state against a snapshot and renders the difference as restore input, per table:
 * declare (and so flush) each chain to rewrite or delete, delete stray or misplaced hooks by content, insert the
 * hooks at the top, insert the new rules of chains that only gained rules, append the rewritten chains' rules, and
 * finally delete the chains no longer wanted (by then nothing of ours refers to them). Inserting is preferred because
 * emptying a chain that has rules makes iptables-restore read back the whole table, which with a thousand endpoints
 * costs more than everything else an endpoint's arrival needs.
 */
public final class IptablesPlanner {
    private IptablesPlanner() {
    }

    /** hashes gives each rule's tag for a chain, see {@link RuleHash#of}; the driver memoises it. */
    public static IptablesUpdate plan(IptablesState desired, IptablesSnapshot observed,
                                      Function<Chain, List<String>> hashes) {
        return plan(desired, observed, null, hashes);
    }

    /**
     * As {@link #plan(IptablesState, IptablesSnapshot, Function)}, with WRITTEN the state whose writing made OBSERVED
     * (null when OBSERVED was read back): then only the chains that are not the very objects WRITTEN held are planned,
     * and hashed. Calc hands an unchanged chain out again as the same object, so a change costs its own chains, not a
     * walk of thousands: with 1,000 endpoints (2,600 chains a family) the walk over every chain was about half of what
     * the iptables driver spent on an endpoint's arrival, as much as the restore itself (docs/dataplane.md, session 31).
     * The restore input and the snapshot after are the same either way ({@code IptablesPlannerTest}).
     */
    public static IptablesUpdate plan(IptablesState desired, IptablesSnapshot observed, IptablesState written,
                                      Function<Chain, List<String>> hashes) {
        TreeSet<String> tableNames = new TreeSet<>(observed.tables().keySet());
        tableNames.addAll(desired.tables().keySet());
        Map<String, Map<String, List<Hook>>> hooksByTable = hooksByTable(desired.hooks());
        tableNames.addAll(hooksByTable.keySet());

        StringBuilder input = new StringBuilder();
        Changes.Tally changes = new Changes.Tally();
        Map<String, TableState> after = new TreeMap<>();
        for (String tableName : tableNames) {
            TablePlan table = new TablePlan(tableName, observed.table(tableName), changes);
            if (written == null) {
                table.chains(desired.chains(tableName), hashes);
            } else {
                table.changedChains(desired.sortedChains(tableName), written.sortedChains(tableName), hashes);
            }
            table.hooks(hooksByTable.getOrDefault(tableName, Map.of()));
            table.render(input);
            TableState state = new TableState(table.chainsAfter(), table.hooksAfter);
            if (!state.chains().isEmpty() || !state.hooks().isEmpty()) {
                after.put(tableName, state);
            }
        }
        return new IptablesUpdate(input.toString(), changes.changes(), new IptablesSnapshot(after));
    }

    private static Map<String, Map<String, List<Hook>>> hooksByTable(List<Hook> hooks) {
        Map<String, Map<String, List<Hook>>> byTable = new TreeMap<>();
        for (Hook hook : hooks) {
            byTable.computeIfAbsent(hook.table(), t -> new LinkedHashMap<>())
                    .computeIfAbsent(hook.builtinChain(), c -> new ArrayList<>()).add(hook);
        }
        return byTable;
    }

    /** Whether OBSERVED has each of HOOKS where a plan puts it: at the top of its built-in chain, in order. */
    public static boolean hooksInPlace(List<Hook> hooks, IptablesSnapshot observed) {
        for (Map.Entry<String, Map<String, List<Hook>>> table : hooksByTable(hooks).entrySet()) {
            for (Map.Entry<String, List<Hook>> builtin : table.getValue().entrySet()) {
                List<TaggedRule> wanted = tagged(builtin.getKey(), builtin.getValue());
                List<TaggedRule> present = observed.table(table.getKey()).hooks().getOrDefault(builtin.getKey(), List.of());
                if (present.size() < wanted.size() || !TablePlan.samePositionsAndHashes(present.subList(0, wanted.size()), wanted)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** HOOKS of one built-in chain as their tagged rules, at positions 1, 2, ... */
    private static List<TaggedRule> tagged(String builtin, List<Hook> hooks) {
        List<TaggedRule> tagged = new ArrayList<>();
        for (int i = 0; i < hooks.size(); i++) {
            String hash = RuleHash.of(builtin, i + 1, hooks.get(i).rule());
            tagged.add(new TaggedRule(i + 1, hash, RuleHash.tagged(hash, hooks.get(i).rule())));
        }
        return tagged;
    }

    private static final class TablePlan {
        private final String name;
        private final TableState observed;
        private final List<String> declarations = new ArrayList<>();
        private final List<String> hookDeletions = new ArrayList<>();
        private final List<String> hookInsertions = new ArrayList<>();
        private final List<String> insertions = new ArrayList<>();
        private final List<String> appends = new ArrayList<>();
        private final List<String> chainDeletions = new ArrayList<>();
        /** Every chain's hashes after the plan; after {@link #changedChains}, only the changed ones (null: deleted). */
        private final Map<String, List<String>> chainsAfter = new java.util.HashMap<>();
        private boolean changedOnly;
        private final Map<String, List<TaggedRule>> hooksAfter = new TreeMap<>();
        /** Every table's changes, summed: a cold plan counts thousands of chains. */
        private final Changes.Tally changes;

        TablePlan(String name, TableState observed, Changes.Tally changes) {
            this.name = name;
            this.observed = observed;
            this.changes = changes;
        }

        void chains(Map<String, Chain> desired, Function<Chain, List<String>> hashes) {
            int kept = 0;
            for (Chain chain : desired.values()) {
                if (chain(chain, hashes)) {
                    kept++;
                }
            }
            // only the stale chains are sorted (so that the same change reads the same), not the thousands kept; and
            // when every chain the kernel holds is still desired (an endpoint added), none is looked for: a lookup of
            // each of thousands of names in the desired sorted map was a third of an arrival's planning
            TreeSet<String> stale = new TreeSet<>();
            if (kept < observed.chains().size()) {
                for (String present : observed.chains().keySet()) {
                    if (!chainsAfter.containsKey(present)) {
                        stale.add(present);
                    }
                }
            }
            stale.forEach(this::delete);
        }

        /**
         * The chains of DESIRED that WRITTEN (whose writing made the observed table) did not hold as an equal chain, and
         * those of WRITTEN no longer desired; every other chain is as written. Both are persistent maps, one made from
         * the other (IptablesState), so their difference ({@link ChainChanges#walk}, the renderers' too) costs the chains
         * that differ, and the lines come out in the order {@link #chains} writes them.
         */
        void changedChains(PersistentSortedMap<String, Chain> desired, PersistentSortedMap<String, Chain> written,
                           Function<Chain, List<String>> hashes) {
            changedOnly = true;
            List<String> stale = new ArrayList<>();
            ChainChanges.walk(desired, written, (name, chain) -> chain(chain, hashes), stale::add);
            stale.forEach(this::delete);
        }

        /**
         * Plans one desired chain against the observed table: nothing, inserts of the rules it gained, or a rewrite.
         * Returns whether the table holds a chain of its name.
         */
        private boolean chain(Chain chain, Function<Chain, List<String>> hashes) {
            List<String> wanted = hashes.apply(chain);
            chainsAfter.put(chain.name(), wanted);
            List<String> present = observed.chains().get(chain.name());
            if (wanted.equals(present)) {
                return true;
            }
            List<Integer> added = present == null ? null : addedPositions(present, wanted);
            if (added != null) {
                // ascending, so that every rule before an inserted one is already in place
                for (int i : added) {
                    insertions.add("-I " + chain.name() + " " + (i + 1) + " "
                            + RuleHash.written(wanted.get(i), chain.rules().get(i)));
                }
                changes.add(Change.RULES_INSERTED, added.size());
                return true;
            }
            declarations.add(":" + chain.name() + " - [0:0]");
            for (int i = 0; i < chain.rules().size(); i++) {
                appends.add("-A " + chain.name() + " " + RuleHash.written(wanted.get(i), chain.rules().get(i)));
            }
            changes.add(Change.CHAINS_WRITTEN, 1);
            return present != null;
        }

        /** A chain no longer desired: emptied with the declarations, deleted once nothing of ours refers to it. */
        private void delete(String chain) {
            if (changedOnly) {
                chainsAfter.put(chain, null);
            }
            declarations.add(":" + chain + " - [0:0]");
            chainDeletions.add("-X " + chain);
            changes.add(Change.CHAINS_DELETED, 1);
        }

        /**
         * The positions in wanted of the rules it adds to present, when it keeps all of present in order; otherwise
         * null (the chain must be rewritten).
         */
        private static List<Integer> addedPositions(List<String> present, List<String> wanted) {
            if (present.size() >= wanted.size()) {
                return null;
            }
            List<Integer> added = new ArrayList<>();
            int next = 0;
            for (int i = 0; i < wanted.size(); i++) {
                if (next < present.size() && wanted.get(i).equals(present.get(next))) {
                    next++;
                } else {
                    added.add(i);
                }
            }
            return next == present.size() ? added : null;
        }

        /**
         * The table's chains after the plan: all planned, or the observed ones with the changes (null: a chain deleted)
         * put into a persistent map, which shares the rest with the observed table's. Until session 36 the changes were
         * laid over the observed map and folded into a copy of it every 64 changed chains: a copy of 2,300 chains' hashes
         * every sixteenth endpoint added, the slowest of 40 adds in quiet runs (8-13 ms of planning a family).
         */
        Map<String, List<String>> chainsAfter() {
            if (!changedOnly) {
                return chainsAfter;
            }
            PersistentSortedMap<String, List<String>> after = PersistentSortedMap.copyOf(observed.chains());
            for (Map.Entry<String, List<String>> change : chainsAfter.entrySet()) {
                after = change.getValue() == null ? after.without(change.getKey())
                        : after.with(change.getKey(), List.copyOf(change.getValue()));
            }
            return after;
        }

        /** A built-in chain is right when exactly its hooks, in order, occupy its first positions. */
        void hooks(Map<String, List<Hook>> desired) {
            TreeSet<String> builtins = new TreeSet<>(observed.hooks().keySet());
            builtins.addAll(desired.keySet());
            for (String builtin : builtins) {
                List<TaggedRule> wanted = tagged(builtin, desired.getOrDefault(builtin, List.of()));
                if (!wanted.isEmpty()) {
                    hooksAfter.put(builtin, wanted);
                }
                List<TaggedRule> present = observed.hooks().getOrDefault(builtin, List.of());
                List<TaggedRule> removals = removals(present, wanted);
                removals.forEach(stray -> hookDeletions.add("-D " + builtin + " " + stray.spec()));
                // with every tagged rule gone (or none there), the hooks go in afresh; else they are in place
                if (removals.size() == present.size()) {
                    wanted.forEach(hook -> hookInsertions.add("-I " + builtin + " " + hook.position() + " " + hook.spec()));
                    changes.add(Change.HOOKS_WRITTEN, wanted.size());
                }
                changes.add(Change.HOOKS_REMOVED, removals.size());
            }
        }

        /**
         * The tagged rules to delete: none when the hooks are in place, only the strays after them when deleting those
         * by content cannot hit a hook (-D removes the first match; a different tag never matches), else all, to
         * insert the hooks afresh.
         */
        private static List<TaggedRule> removals(List<TaggedRule> present, List<TaggedRule> wanted) {
            if (present.size() < wanted.size() || !samePositionsAndHashes(present.subList(0, wanted.size()), wanted)) {
                return present;
            }
            List<TaggedRule> strays = present.subList(wanted.size(), present.size());
            boolean duplicate = strays.stream()
                    .anyMatch(stray -> wanted.stream().anyMatch(hook -> hook.hash().equals(stray.hash())));
            return duplicate ? present : strays;
        }

        private static boolean samePositionsAndHashes(List<TaggedRule> present, List<TaggedRule> wanted) {
            if (present.size() != wanted.size()) {
                return false;
            }
            for (int i = 0; i < present.size(); i++) {
                if (present.get(i).position() != wanted.get(i).position()
                        || !present.get(i).hash().equals(wanted.get(i).hash())) {
                    return false;
                }
            }
            return true;
        }

        void render(StringBuilder input) {
            if (declarations.isEmpty() && hookDeletions.isEmpty() && hookInsertions.isEmpty() && insertions.isEmpty()) {
                return;
            }
            input.append('*').append(name).append('\n');
            for (List<String> lines : List.of(declarations, hookDeletions, hookInsertions, insertions, appends, chainDeletions)) {
                for (String line : lines) {
                    input.append(CommandText.line(line)).append('\n');
                }
            }
            input.append("COMMIT\n");
        }
    }
}
