package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.List;

/**
 * A large restore input (a cold start's, a resync's that rewrites much) with a chain-less {@code -S} right after
 * each table's {@code *TABLE} line, and the way back from the tool's line numbers to the input's own.
 *
 * <p>Why: with {@code --noflush}, iptables-nft (1.8.9, {@code nft-cache.c}) learns which chains to fetch from the
 * commands, inserting each command's chain (and jump target) into a sorted linked list of names, one {@code strcmp}
 * per name passed, and then fetches each listed chain by name, one netlink round trip apiece. A cold start names
 * 2,500 chains in 13,600 commands per family at 1,000 endpoints: tens of millions of string comparisons and 2,500
 * round trips, which made the agent's restore of a table take about 1.5 times the bare restore of the same content
 * (docs/dataplane.md, "The cold start's restores"). A command that names no chain makes it fetch the whole table's
 * chains and rules in one dump instead and keep no list. {@code -S} is the only such command that changes nothing
 * (the others, {@code -F}, {@code -X} and {@code -Z} without a chain, flush, delete or zero every chain of the table,
 * other owners' too); it prints the table as it was before the batch, which the caller reads and drops. With the
 * table already full (a resync rewriting every chain) the dump costs what the per-chain fetches did.
 */
record WholeTableCache(String input, List<Integer> listingLines) {
    private static final String LISTING = "-S\n";

    /** INPUT (whole tables, each starting with its {@code *TABLE} line) with the listing after each table line. */
    static WholeTableCache of(String input) {
        StringBuilder listed = new StringBuilder(input.length() + 64);
        List<Integer> listingLines = new ArrayList<>();
        int line = 0;
        int start = 0;
        while (start < input.length()) {
            int end = input.indexOf('\n', start);
            end = end < 0 ? input.length() : end + 1;
            listed.append(input, start, end);
            line++;
            if (input.charAt(start) == '*') {
                listed.append(LISTING);
                line++;
                listingLines.add(line);
            }
            start = end;
        }
        return new WholeTableCache(listed.toString(), List.copyOf(listingLines));
    }

    /** The tool's MESSAGE with each line number of {@link #input()} made the number of that line in the input given. */
    String numberedAsGiven(String message) {
        return IptablesRestore.renumbered(message,
                line -> line - listingLines.stream().filter(listing -> listing < line).count());
    }
}
