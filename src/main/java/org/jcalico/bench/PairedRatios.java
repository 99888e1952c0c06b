package org.jcalico.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

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

    /** The q-th quartile (0 the least, 2 the median, 4 the greatest), by the nearest rank. */
    double quartile(int q) {
        List<Double> sorted = new ArrayList<>(ratios);
        Collections.sort(sorted);
        return sorted.get((int) Math.round(q * (sorted.size() - 1) / 4.0));
    }
}
