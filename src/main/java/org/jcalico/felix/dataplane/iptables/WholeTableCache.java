package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.List;

/**
 * A large restore input (a cold start's, a resync's that rewrites much) with a chain-less {@code -S} in each table,
 * and the way back from the tool's line numbers to the input's own.
 *
 * <p>Why: with {@code --noflush}, iptables-nft (1.8.9, {@code nft-cache.c}) learns which chains to fetch from the
 * commands, inserting each command's chain (and jump target) into a sorted linked list of names, one {@code strcmp}
 * per name passed, and then fetches each listed chain by name, one netlink round trip apiece. A cold start names
 * 2,500 chains in 13,600 commands per family at 1,000 endpoints: tens of millions of string comparisons and 2,500
 * round trips, which made the agent's restore of a table take about 1.5 times the bare restore of the same content
 * (docs/dataplane.md, "Where the cold start's time goes"). Once a command that names no chain has been read, it
 * fetches the whole table in one dump instead and lists no more names. {@code -S} is the only such command that
 * changes nothing (the others, {@code -F}, {@code -X} and {@code -Z} without a chain, flush, delete or zero every
 * chain of the table, other owners' too); it prints the table as it was before the batch, which the caller reads and
 * drops.
 *
 * <p>Where it goes: first in the table, unless the table inserts or appends rules to a built-in chain (the hooks,
 * written afresh when the kernel holds none). The listing makes iptables-nft take a built-in chain the kernel does not
 * have yet for one that exists (it fakes them to print their policies), so a later insert into it is sent without the
 * chain and refused ("RULE_INSERT failed (No such file or directory)", seen on a namespace whose filter table had no
 * FORWARD chain yet). So it goes after the last such command, which the planner writes right after the declarations
 * (then only those are listed one by one).
 */
record WholeTableCache(String input, List<Integer> listingLines) {
    private static final String LISTING = "-S";
    private static final String COMMIT = "COMMIT";

    /**
     * INPUT (whole tables, each from its {@code *TABLE} line to its {@code COMMIT}) with the listing in each table. One
     * pass over the input's characters and one copy: a cold start's input is a megabyte a family, which split into
     * lines, matched by a pattern and joined again cost about a tenth of the cold restore's own CPU (docs/dataplane.md,
     * "Session 63 (p-cold)").
     */
    static WholeTableCache of(String given) {
        String input = given.isEmpty() || given.endsWith("\n") ? given : given + "\n";
        // where each listing goes: just after its table's *TABLE line or last rule into a built-in chain, by offset
        List<Integer> listAfter = new ArrayList<>();
        List<Integer> listingLines = new ArrayList<>();
        int last = -1;
        int lastLine = -1;
        int line = 0;
        for (int start = 0, end; start < input.length(); start = end + 1, line++) {
            end = input.indexOf('\n', start);
            if (input.charAt(start) == '*' || intoBuiltin(input, start, end)) {
                last = end;
                lastLine = line;
            } else if (end - start == COMMIT.length() && input.startsWith(COMMIT, start) && last >= 0
                    && (listAfter.isEmpty() || listAfter.getLast() != last)) {
                listAfter.add(last);
                listingLines.add(lastLine + 2 + listingLines.size());
            }
        }
        StringBuilder listed = new StringBuilder(input.length() + 3 * listAfter.size());
        int copied = 0;
        for (int at : listAfter) {
            listed.append(input, copied, at + 1).append(LISTING).append('\n');
            copied = at + 1;
        }
        listed.append(input, copied, input.length());
        return new WholeTableCache(listed.toString(), List.copyOf(listingLines));
    }

    /**
     * Whether the line from START to END inserts or appends a rule to a built-in chain: {@code -I NAME } or
     * {@code -A NAME } with NAME in upper case (jcalico's own chains start with "jc-").
     */
    private static boolean intoBuiltin(String input, int start, int end) {
        if (end - start < 5 || input.charAt(start) != '-' || input.charAt(start + 1) != 'I' && input.charAt(start + 1) != 'A'
                || input.charAt(start + 2) != ' ') {
            return false;
        }
        int name = start + 3;
        while (name < end && input.charAt(name) >= 'A' && input.charAt(name) <= 'Z') {
            name++;
        }
        return name > start + 3 && name < end && input.charAt(name) == ' ';
    }

    /** The tool's MESSAGE with each line number of {@link #input()} made the number of that line in the input given. */
    String numberedAsGiven(String message) {
        return IptablesRestore.renumbered(message,
                line -> line - listingLines.stream().filter(listing -> listing < line).count());
    }
}
