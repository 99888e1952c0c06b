package org.jcalico.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/**
 * One path's figures over a floor's, round by round (round i of each taken close in time), summed up by their
 * median and middle half: under a load that moves a single run by 2x, neighbours in time share most of it, so the
 * median of the paired ratios is steadier than the ratio of the two medians.
 */
record PairedRatios(List<Double> ratios) {
    PairedRatios {
        if (ratios.isEmpty()) {
            throw new IllegalArgumentException("no rounds to pair");
        }
        ratios = List.copyOf(ratios);
    }

    static PairedRatios of(List<Double> path, List<Double> floor) {
        if (path.size() != floor.size()) {
            throw new IllegalArgumentException(path.size() + " rounds against " + floor.size() + ": not paired");
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < path.size(); i++) {
            ratios.add(path.get(i) / floor.get(i));
        }
        return new PairedRatios(ratios);
    }

    double median() {
        return median(ratios);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /**
     * A distribution-free confidence interval of at least 95 % for the median of the paired ratios (Percentiles): the
     * k-th smallest and k-th largest ratio, k the largest rank for which a binomial(n, 1/2) falls below k with
     * probability at most 2.5 %; the whole range where no k is (fewer than 6 rounds). It assumes only that rounds are
     * independent. With 6 rounds it is the whole range, with 12 the third smallest to the third largest.
     */
    double[] medianInterval() {
        List<Double> sorted = new ArrayList<>(ratios);
        Collections.sort(sorted);
        int n = sorted.size();
        return new double[] {sorted.get(Percentiles.lowerEnd(n, 50).orElse(0)),
                sorted.get(Percentiles.upperEnd(n, 50).orElse(n - 1))};
    }

    /**
     * Whether the median is at least {@code target} ({@code atLeast}) or at most it, told by {@link #medianInterval}:
     * "met" or "NOT met" only when the whole interval lies on one side; otherwise the rounds cannot tell.
     */
    String verdict(double target, boolean atLeast) {
        double[] interval = medianInterval();
        double low = atLeast ? interval[0] : -interval[1];
        double high = atLeast ? interval[1] : -interval[0];
        double bound = atLeast ? target : -target;
        return low >= bound ? "met" : high < bound ? "NOT met" : "cannot tell at this noise";
    }

    /**
     * About how many rounds would put the median's interval wholly on one side of {@code target}, at the noise these
     * rounds show: the interval narrows as the square root of the rounds, so the rounds times the square of (the
     * interval's reach from the median toward the target) over (the median's distance from it); never fewer than the
     * rounds there are. Empty when the median sits on the target, which no number of rounds decides.
     */
    OptionalInt roundsToDecide(double target) {
        return roundsToDecide(ratios.size(), median(), medianInterval(), target);
    }

    /**
     * The same for any figure of some rounds with an interval around it (bench add's percentiles, {@link TailRatio}):
     * rounds times the square of (the interval's reach from the figure toward the target) over (the figure's distance
     * from it), never fewer than rounds; empty when the figure sits on the target.
     */
    static OptionalInt roundsToDecide(int rounds, double figure, double[] interval, double target) {
        if (figure == target) {
            return OptionalInt.empty();
        }
        double reach = figure > target ? figure - interval[0] : interval[1] - figure;
        double needed = rounds * Math.pow(reach / Math.abs(figure - target), 2);
        return OptionalInt.of((int) Math.ceil(Math.max(rounds, Math.min(needed, Integer.MAX_VALUE))));
    }

    /** The q-th quartile (0 the least, 2 the median, 4 the greatest), by the nearest rank. */
    double quartile(int q) {
        List<Double> sorted = new ArrayList<>(ratios);
        Collections.sort(sorted);
        return sorted.get((int) Math.round(q * (sorted.size() - 1) / 4.0));
    }
}
