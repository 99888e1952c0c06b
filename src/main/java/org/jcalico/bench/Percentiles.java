package org.jcalico.bench;

import java.util.List;
import java.util.OptionalInt;

/**
 * Percentiles of measurements, by nearest rank, and where among the sorted measurements a distribution-free interval of
 * at least 95 % for one lies: the k-th smallest value is at or below the true percentile exactly when at least k
 * measurements are, a binomial(size, percent / 100) count, so each end is the order statistic that count puts on the
 * wrong side with probability at most 2.5 %. It assumes only that the measurements are independent, not that they are
 * normal (they are not: a load spike moves one by 2x). A high percentile of few measurements has no upper end: even
 * the largest of them lies below the true p99 with probability 0.99^size, more than 2.5 % below 368 measurements.
 */
final class Percentiles {
    /** The chance each end of the interval may leave the percentile out. */
    private static final double TAIL = 0.025;

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

    /**
     * The place among size sorted values of the interval's lower end for the percent-th percentile (0-based): the
     * largest k-th smallest whose count falls below k with probability at most 2.5 %; empty when even the smallest
     * value is above the percentile too often.
     */
    static OptionalInt lowerEnd(int size, double percent) {
        double[] below = cumulative(size, percent / 100);
        int rank = 0;
        while (rank < size && below[rank] <= TAIL) {
            rank++;
        }
        return rank == 0 ? OptionalInt.empty() : OptionalInt.of(rank - 1);
    }

    /**
     * The place of the interval's upper end (0-based): the smallest k-th smallest whose count reaches k with
     * probability at most 2.5 %; empty when even the largest value is below the percentile too often.
     */
    static OptionalInt upperEnd(int size, double percent) {
        double[] below = cumulative(size, percent / 100);
        for (int rank = 1; rank <= size; rank++) {
            if (1 - below[rank - 1] <= TAIL) {
                return OptionalInt.of(rank - 1);
            }
        }
        return OptionalInt.empty();
    }

    /** The fewest measurements whose largest bounds the percent-th percentile from above: (percent / 100)^n <= 2.5 %. */
    static int fewestWithUpperEnd(int percent) {
        return (int) Math.ceil(Math.log(TAIL) / Math.log(percent / 100.0));
    }

    /**
     * P(X <= k) for X ~ binomial(n, p), k = 0..n, its terms taken in logarithms so that no power underflows on the way;
     * 0 < p < 1.
     */
    private static double[] cumulative(int n, double p) {
        double[] below = new double[n + 1];
        double logTerm = n * Math.log1p(-p);
        double odds = Math.log(p) - Math.log1p(-p);
        double sum = 0;
        for (int k = 0; k <= n; k++) {
            if (k > 0) {
                logTerm += Math.log((double) (n - k + 1) / k) + odds;
            }
            sum += Math.exp(logTerm);
            below[k] = Math.min(1, sum);
        }
        return below;
    }
}
