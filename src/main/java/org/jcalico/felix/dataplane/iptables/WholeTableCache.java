package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

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
    /** A rule inserted or appended to a built-in chain (upper case; jcalico's own chains start with "jc-"). */
    private static final Pattern INTO_BUILTIN = Pattern.compile("^-[IA] [A-Z]+ ");

    /** INPUT (whole tables, each from its {@code *TABLE} line to its {@code COMMIT}) with the listing in each table. */
    static WholeTableCache of(String input) {
        List<String> lines = input.lines().toList();
        Set<Integer> listAfter = new HashSet<>();
        int last = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("*") || INTO_BUILTIN.matcher(line).find()) {
                last = i;
            } else if (line.equals("COMMIT")) {
                listAfter.add(last);
            }
        }
        StringBuilder listed = new StringBuilder(input.length() + 64);
        List<Integer> listingLines = new ArrayList<>();
        int number = 0;
        for (int i = 0; i < lines.size(); i++) {
            listed.append(lines.get(i)).append('\n');
            number++;
            if (listAfter.contains(i)) {
                listed.append(LISTING).append('\n');
                number++;
                listingLines.add(number);
            }
        }
        return new WholeTableCache(listed.toString(), List.copyOf(listingLines));
    }

    /** The tool's MESSAGE with each line number of {@link #input()} made the number of that line in the input given. */
    String numberedAsGiven(String message) {
        return IptablesRestore.renumbered(message,
                line -> line - listingLines.stream().filter(listing -> listing < line).count());
    }
}
