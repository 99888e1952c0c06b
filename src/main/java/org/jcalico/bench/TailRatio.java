package org.jcalico.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * A percentile of one path's times over the same percentile of a floor's, from rounds that ran each once close in
 * time, with how far the run can be trusted on it. A p99 is the handful of slowest rounds, and on a shared machine
 * those are wherever a load spike fell: two runs of the same code read 0.9x and 1.7x at 100 rounds. So the ratio comes
 * with a 95 % interval from a paired bootstrap (whole rounds drawn again with replacement, both sides of a round
 * together, so that what a round's stretch of load did to both stays paired), and the verdict is told only when the
 * interval lies wholly on one side of the target. The resampling draws from a fixed seed: the same rounds give the
 * same interval.
 */
record TailRatio(List<Long> path, List<Long> floor) {
    static final int RESAMPLES = 2000;
    private static final long SEED = 48;

    TailRatio {
        if (path.size() != floor.size() || path.isEmpty()) {
            throw new IllegalArgumentException(path.size() + " rounds against " + floor.size() + ": not paired");
        }
        path = List.copyOf(path);
        floor = List.copyOf(floor);
    }

    /** The ratio of the two percentiles over all rounds. */
    double ratio(int percent) {
        return ratioOf(path, floor, percent);
    }

    /** The 2.5th and 97.5th percentile of the ratio over {@link #RESAMPLES} paired resamplings of the rounds. */
    double[] interval(int percent) {
        SplittableRandom random = new SplittableRandom(SEED);
        int n = path.size();
        double[] ratios = new double[RESAMPLES];
        long[] drawnPath = new long[n];
        long[] drawnFloor = new long[n];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int i = 0; i < n; i++) {
                int round = random.nextInt(n);
                drawnPath[i] = path.get(round);
                drawnFloor[i] = floor.get(round);
            }
            Arrays.sort(drawnPath);
            Arrays.sort(drawnFloor);
            int at = Percentiles.index(n, percent);
            ratios[r] = (double) drawnPath[at] / drawnFloor[at];
        }
        Arrays.sort(ratios);
        return new double[] {ratios[(int) (RESAMPLES * 0.025)], ratios[(int) Math.ceil(RESAMPLES * 0.975) - 1]};
    }

    /** "met" or "NOT met" for a target the ratio is to stay at or under, only when the interval says so. */
    String verdict(int percent, double target) {
        double[] interval = interval(percent);
        return interval[1] <= target ? "met" : interval[0] > target ? "NOT met" : "cannot tell at this noise";
    }

    /** About how many rounds would put the interval wholly on one side of the target at these rounds' noise. */
    OptionalInt roundsToDecide(int percent, double target) {
        return PairedRatios.roundsToDecide(path.size(), ratio(percent), interval(percent), target);
    }

    /** The same figures over rounds from..to (exclusive) only: whether the ratio repeats within the run. */
    TailRatio rounds(int from, int to) {
        return new TailRatio(path.subList(from, to), floor.subList(from, to));
    }

    private static double ratioOf(List<Long> path, List<Long> floor, int percent) {
        return (double) Percentiles.of(sorted(path), percent) / Percentiles.of(sorted(floor), percent);
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }
}
