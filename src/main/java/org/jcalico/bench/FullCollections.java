package org.jcalico.bench;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An agent's full collections as its log says them (the start's peak given back, Agent.settle, and PromotedGarbage's),
 * and whether its live size has come to rest: what `bench attach --fill` waits for before its timed adds. An agent of
 * a cluster that holds the fill has absorbed it long ago; right after the fill it is still moving the endpoints into
 * its old generation, and each full collection then keeps more than the last (5, 15, 25, 32 MB at 100,000 endpoints:
 * docs/agent.md, "Session 68 (the lead): p-gc taken out again").
 */
final class FullCollections {
    /** Two collections in a row that kept within this much of each other (a tenth, at least 1 MB): a steady live size. */
    static final int STEADY_PERCENT = 10;
    /** A spell without a full collection that an agent still absorbing the fill does not have: three periodic resyncs. */
    static final int QUIET_SECONDS = 30;
    private static final Pattern LINE = Pattern.compile(
            "^(\\S+) INFO +(?:old generation .*: collected, |heap after the listing's full collection: )"
                    + "(\\d+) MB used of \\d+ MB committed \\((\\d+) ms\\)$");

    private FullCollections() {
    }

    /** One full collection: when it was logged, what it kept of the heap and how long it stopped the agent. */
    record Collection(Instant at, long keptMb, long pauseMs) {
    }

    /** The full collections the lines log, in their order. */
    static List<Collection> of(List<String> lines) {
        List<Collection> collections = new ArrayList<>();
        for (String line : lines) {
            Matcher matcher = LINE.matcher(line);
            if (matcher.matches()) {
                try {
                    collections.add(new Collection(Instant.parse(matcher.group(1)), Long.parseLong(matcher.group(2)),
                            Long.parseLong(matcher.group(3))));
                } catch (DateTimeParseException e) {
                    // not a line of the agent's own
                }
            }
        }
        return collections;
    }

    /**
     * Whether the live size has come to rest since FROM (the fill's start), at NOW: two of the collections logged since
     * then in a row kept within {@link #STEADY_PERCENT} of each other, or the last of them is {@link #QUIET_SECONDS}
     * old. An agent absorbing 100,000 endpoints collected every one to three seconds (session 69: six in 37 s, five in
     * ten); one with nothing left to absorb promotes next to nothing (no young collection promoted a byte in two idle
     * minutes), so it may not collect again until adds come, and a quiet spell is all its log can say. A collection
     * before FROM does not count: it ran before the fill reached the agent, when its live size was an empty cluster's.
     */
    static boolean steadySince(List<Collection> collections, Instant from, Instant now) {
        List<Collection> since = collections.stream().filter(collection -> !collection.at().isBefore(from)).toList();
        if (!since.isEmpty() && !since.getLast().at().plusSeconds(QUIET_SECONDS).isAfter(now)) {
            return true;
        }
        for (int i = 1; i < since.size(); i++) {
            long before = since.get(i - 1).keptMb();
            if (Math.abs(since.get(i).keptMb() - before) <= Math.max(1, before * STEADY_PERCENT / 100)) {
                return true;
            }
        }
        return false;
    }

    /** What the collections since FROM kept and paused, for the bench's line: "15 MB (45 ms), 25 MB (137 ms)". */
    static String describe(List<Collection> collections, Instant from) {
        List<String> parts = collections.stream().filter(collection -> !collection.at().isBefore(from))
                .map(collection -> collection.keptMb() + " MB (" + collection.pauseMs() + " ms)").toList();
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
