package org.jcalico.bench;

import java.util.List;

/** Percentiles of measurements, by nearest rank. */
final class Percentiles {
    private Percentiles() {
    }

    /** The smallest value with at least percent % of the values at or below it; sorted ascending, not empty. */
    static long of(List<Long> sorted, int percent) {
        return sorted.get(index(sorted.size(), percent));
    }

    /** Where that value lies among size sorted values. */
    static int index(int size, int percent) {
        return Math.min(size - 1, (int) Math.ceil(percent / 100.0 * size) - 1);
    }
}
