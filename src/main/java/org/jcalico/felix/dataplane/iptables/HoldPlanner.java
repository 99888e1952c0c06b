package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.CommandText;

/**
 * The restore input that puts the desired hold rules (those matching the family's {@link HostState#holdSet}) into the
 * kernel's chains that lack them, and nothing else: what a first fill over rules it did not write needs in force
 * before it moves a member of a mixed set (docs/dataplane.md, "A change and the states the kernel passes through").
 * Rules an earlier version wrote (before session 53: no hold) or chains edited by hand have them nowhere, and the fill's
 * hold would then hold nothing. Each chain's hold rules go where the desired chain has them when the kernel's chain
 * starts with the rules the desired one has before them (neighbour discovery), which then leaves nothing for the
 * apply's restore to rewrite in an earlier version's chain; otherwise at its top, ahead of whatever the chain holds.
 * Inserting them only drops: their sets are empty until the fill holds an address.
 */
final class HoldPlanner {
    private static final String FILTER = "filter";

    private HoldPlanner() {
    }

    /** The insertions into OBSERVED's filter chains that lack DESIRED's hold rules; empty when none lacks them. */
    static IptablesUpdate plan(IptablesState desired, IptablesSnapshot observed, Function<Chain, List<String>> hashes) {
        String hold = "--match-set " + HostState.holdSet(desired.version()) + " ";
        TableState table = observed.table(FILTER);
        StringBuilder input = new StringBuilder();
        // the chains that get the hold; the kernel's others are kept as they are
        Map<String, List<String>> changed = new HashMap<>();
        int inserted = 0;
        for (Chain chain : desired.chains(FILTER).values()) {
            int first = firstHoldRule(chain, hold);
            List<String> present = table.chains().get(chain.name());
            if (first < 0 || present == null) {
                // no hold wanted, or no such chain in force: none of its rules reads a set
                continue;
            }
            int end = first;
            while (end < chain.rules().size() && chain.rules().get(end).contains(hold)) {
                end++;
            }
            List<String> wanted = hashes.apply(chain);
            if (startsWith(present, wanted.subList(0, end))) {
                continue;
            }
            int at = startsWith(present, wanted.subList(0, first)) ? first : 0;
            List<String> after = new ArrayList<>(present);
            for (int i = first; i < end; i++) {
                int position = at + i - first;
                input.append(CommandText.line("-I " + chain.name() + " " + (position + 1) + " "
                        + RuleHash.written(wanted.get(i), chain.rules().get(i)))).append('\n');
                after.add(position, wanted.get(i));
                inserted++;
            }
            changed.put(chain.name(), after);
        }
        if (inserted == 0) {
            return new IptablesUpdate("", Changes.NONE, observed);
        }
        Map<String, List<String>> chains = new HashMap<>(table.chains());
        chains.putAll(changed);
        Map<String, TableState> tables = new HashMap<>(observed.tables());
        tables.put(FILTER, new TableState(chains, table.hooks()));
        return new IptablesUpdate("*" + FILTER + "\n" + input + "COMMIT\n", Changes.of(Change.RULES_INSERTED, inserted),
                new IptablesSnapshot(tables));
    }

    /**
     * The index of CHAIN's first hold rule (one that reads the hold set, HOLD), or -1. Calc puts them among a chain's
     * first rules; the look costs a search of the rule's text per rule, for a read-back's apply only.
     */
    private static int firstHoldRule(Chain chain, String hold) {
        for (int i = 0; i < chain.rules().size(); i++) {
            if (chain.rules().get(i).contains(hold)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(List<String> present, List<String> wanted) {
        return present.size() >= wanted.size() && present.subList(0, wanted.size()).equals(wanted);
    }
}
