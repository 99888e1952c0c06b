package org.jcalico.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * `bench attach --new-blocks`: each odd add claims a block of its own and the even add after it takes an address in
 * that block, so that each pair ran at nearly the same moment of the machine's load. The median of the pairs'
 * differences tells what a new block costs an add where the noise between runs (and one #1 a run) could not.
 */
record NewBlockPairs(List<Long> differences, long newMedian, long existingMedian, long newSlower) {
    /**
     * From the adds' times in order (odd adds the new blocks'); an odd add without a partner is left out, and so is a
     * pair with an add never answered (-1).
     */
    static NewBlockPairs of(List<Long> times) {
        List<Long> fresh = new ArrayList<>();
        List<Long> existing = new ArrayList<>();
        List<Long> differences = new ArrayList<>();
        for (int i = 0; i + 1 < times.size(); i += 2) {
            if (times.get(i) < 0 || times.get(i + 1) < 0) {
                continue;
            }
            fresh.add(times.get(i));
            existing.add(times.get(i + 1));
            differences.add(times.get(i) - times.get(i + 1));
        }
        if (differences.isEmpty()) {
            throw new IllegalArgumentException("no pair of adds both answered");
        }
        return new NewBlockPairs(differences, median(fresh), median(existing),
                differences.stream().filter(difference -> difference > 0).count());
    }

    long medianDifference() {
        return median(differences);
    }

    /** One line for the times of one of the bench's columns, LABEL naming it. */
    static void print(PrintWriter out, String label, List<Long> times) {
        String name = "(g) new block less the next, " + label;
        if (times.size() < 2 || java.util.stream.IntStream.iterate(0, i -> i + 1 < times.size(), i -> i + 2)
                .noneMatch(i -> times.get(i) >= 0 && times.get(i + 1) >= 0)) {
            out.printf("  %-34s no pair of adds both answered%n", name);
            return;
        }
        NewBlockPairs pairs = of(times);
        out.printf("  %-34s %+d ms (median of %d pairs' differences; the new block's slower in %d); medians %d / %d ms%n",
                name, pairs.medianDifference(), pairs.differences().size(), pairs.newSlower(), pairs.newMedian(),
                pairs.existingMedian());
    }

    private static long median(List<Long> values) {
        return Percentiles.of(Latencies.sorted(values), 50);
    }
}
