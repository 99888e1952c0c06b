package org.jcalico.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A cold programming over several runs (`bench felix`'s, and `bench policy`'s first programming), each run a fresh worker JVM programming an empty namespace and
 * its floor timed right after it in fresh namespaces, in microseconds. The two sides get the same number of tries:
 * the floor's way (its writers at once or one after the other) is the one with the lower median over the runs, and
 * each run's floor is that way's time in it; taking the faster way within each run would give the floor two tries to
 * the agent's one (docs/dataplane.md, "Session 66 (p-cold)"). Each run's ratio is paired with its own floor, taken
 * close in time, so that the load both met is shared (PairedRatios).
 */
record ColdRuns(List<Long> programs, List<Long> atOnce, List<Long> oneAfterTheOther) {
    ColdRuns {
        if (programs.isEmpty() || programs.size() != atOnce.size() || programs.size() != oneAfterTheOther.size()) {
            throw new IllegalArgumentException("runs not paired: " + programs.size() + " programs, " + atOnce.size()
                    + " and " + oneAfterTheOther.size() + " floors");
        }
        programs = List.copyOf(programs);
        atOnce = List.copyOf(atOnce);
        oneAfterTheOther = List.copyOf(oneAfterTheOther);
    }

    /** Whether the floor's writers at once are its way: their median no higher than one after the other's. */
    boolean floorAtOnce() {
        return median(atOnce) <= median(oneAfterTheOther);
    }

    /** Each run's floor, in the floor's way. */
    List<Long> floors() {
        return floorAtOnce() ? atOnce : oneAfterTheOther;
    }

    /** Each run's program N over its own floor. */
    PairedRatios ratios() {
        return PairedRatios.of(programs.stream().map(Long::doubleValue).toList(),
                floors().stream().map(Long::doubleValue).toList());
    }

    /**
     * The fastest program N over the fastest floor (in its way): under a load that comes and goes (other programs'), the
     * run that met the least of it is the likeliest to repeat, on each side alike.
     */
    double fastestRatio() {
        return (double) Collections.min(programs) / Collections.min(floors());
    }

    /** The run whose program N is the median (the lower middle one of an even number), by its place in the runs. */
    int medianRun() {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < programs.size(); i++) {
            order.add(i);
        }
        order.sort(java.util.Comparator.comparing(programs::get));
        return order.get((order.size() - 1) / 2);
    }

    /** The median of VALUES (the mean of the middle two of an even number). */
    static double median(List<Long> values) {
        return PairedRatios.median(values.stream().map(Long::doubleValue).toList());
    }

    /** "median ms [fastest-slowest]" of VALUES in microseconds. */
    static String spread(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return String.format("%.1f ms [%.1f-%.1f]", median(values) / 1000, sorted.getFirst() / 1000.0,
                sorted.getLast() / 1000.0);
    }
}
