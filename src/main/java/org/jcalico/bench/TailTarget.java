package org.jcalico.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/**
 * A percentile of measured times (microseconds) against a target it is to stay at or under (#14: an add's p99 <= 20
 * ms), with the distribution-free interval of Percentiles: "met" only when the interval's upper end is within the
 * target, "NOT met" only when its lower end is beyond it. The largest of a few hundred times is not a p99's bound: 200
 * adds' largest lies below the true p99 one time in eight, so below 368 of them no count says "met".
 */
record TailTarget(List<Long> sorted, int percent, long targetMicros) {
    TailTarget {
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("no times");
        }
        List<Long> copy = new ArrayList<>(sorted);
        Collections.sort(copy);
        sorted = List.copyOf(copy);
    }

    /** The percentile by nearest rank. */
    long value() {
        return Percentiles.of(sorted, percent);
    }

    /** Its place among the sorted times (0-based): the times from it on are the ones at or above it. */
    int place() {
        return Percentiles.index(sorted.size(), percent);
    }

    String verdict() {
        OptionalInt lower = Percentiles.lowerEnd(sorted.size(), percent);
        OptionalInt upper = Percentiles.upperEnd(sorted.size(), percent);
        if (upper.isPresent() && sorted.get(upper.getAsInt()) <= targetMicros) {
            return "met";
        }
        return lower.isPresent() && sorted.get(lower.getAsInt()) > targetMicros ? "NOT met" : "cannot tell";
    }

    /**
     * "p99 of 200 adds (the 198th by nearest rank) 18.3 ms, 95 % interval 15.2 ms to none ...: cannot tell against <= 20
     * ms; ...": the figure, its interval, the verdict and, when it cannot tell, about how many times would.
     */
    String describe(String noun) {
        int n = sorted.size();
        OptionalInt lower = Percentiles.lowerEnd(n, percent);
        OptionalInt upper = Percentiles.upperEnd(n, percent);
        String verdict = verdict();
        StringBuilder text = new StringBuilder(String.format("p%d of %d %s (the %s by nearest rank) %s, 95 %% interval %s to %s:"
                        + " %s against <= %s", percent, n, noun, ordinal(place() + 1), millis(value()),
                lower.isPresent() ? millis(sorted.get(lower.getAsInt())) : "none (too few " + noun + ")",
                upper.isPresent() ? millis(sorted.get(upper.getAsInt()))
                        : "none (below " + Percentiles.fewestWithUpperEnd(percent) + " " + noun + " even the largest"
                        + " is below the p" + percent + " more than 2.5 % of the time)",
                verdict, millis(targetMicros)));
        if (verdict.equals("cannot tell")) {
            text.append("; ").append(wouldTell(noun));
        }
        return text.toString();
    }

    /** About how many NOUN (the times' name) would put the interval on one side of the target, at the spread these show. */
    private String wouldTell(String noun) {
        int n = sorted.size();
        OptionalInt lower = Percentiles.lowerEnd(n, percent);
        OptionalInt upper = Percentiles.upperEnd(n, percent);
        if (value() <= targetMicros && upper.isEmpty()) {
            return "at least " + Percentiles.fewestWithUpperEnd(percent) + " " + noun + " could tell it met";
        }
        if (value() > targetMicros && lower.isEmpty()) {
            return "more " + noun + " would";
        }
        double[] interval = {lower.isPresent() ? sorted.get(lower.getAsInt()) : value(),
                upper.isPresent() ? sorted.get(upper.getAsInt()) : value()};
        OptionalInt needed = PairedRatios.roundsToDecide(n, value(), interval, targetMicros);
        return needed.isPresent() ? "about " + needed.getAsInt() + " " + noun + " would at this spread"
                : "it sits on the target: no number of " + noun + " would";
    }

    private static String millis(long micros) {
        return String.format("%.1f ms", micros / 1000.0);
    }

    private static String ordinal(int rank) {
        int lastTwo = rank % 100;
        String suffix = lastTwo >= 11 && lastTwo <= 13 ? "th"
                : switch (rank % 10) {
                    case 1 -> "st";
                    case 2 -> "nd";
                    case 3 -> "rd";
                    default -> "th";
                };
        return rank + suffix;
    }
}
