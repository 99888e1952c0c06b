package org.jcalico.bench;

import java.util.List;
import java.util.StringJoiner;

/**
 * `bench policy`'s first programming against its kernel floor, round by round: in each round a fresh worker JVM
 * programs an empty namespace (the agent's side) and then the floor puts the very content it wrote into fresh
 * namespaces, its writers one after the other and at once (the floor's two ways). Both sides are measured the same
 * number of times, each once a round, neighbours in time; the floor's way is the one whose median over the rounds is
 * the lower, and each round's ratio is over that way's time in the same round. Taking the faster way per round instead
 * would give the floor the least of two noisy readings against the agent's one (docs/dataplane.md, session 66).
 */
record FirstProgrammingRounds(List<Long> agentMicros, List<Long> calcMicros, List<Long> atOnceMicros,
                              List<Long> oneAfterOtherMicros) {
    FirstProgrammingRounds {
        agentMicros = List.copyOf(agentMicros);
        calcMicros = List.copyOf(calcMicros);
        atOnceMicros = List.copyOf(atOnceMicros);
        oneAfterOtherMicros = List.copyOf(oneAfterOtherMicros);
        int rounds = agentMicros.size();
        if (rounds == 0 || calcMicros.size() != rounds || atOnceMicros.size() != rounds
                || oneAfterOtherMicros.size() != rounds) {
            throw new IllegalArgumentException("rounds not paired: " + rounds + " agent, " + calcMicros.size()
                    + " calc, " + atOnceMicros.size() + " and " + oneAfterOtherMicros.size() + " floor");
        }
    }

    /** Whether the floor's writers at once have the lower median: then the floor is that way's, else one after the other. */
    boolean floorAtOnce() {
        return median(atOnceMicros) <= median(oneAfterOtherMicros);
    }

    /** Each round's floor, the way {@link #floorAtOnce} chose. */
    List<Long> floorMicros() {
        return floorAtOnce() ? atOnceMicros : oneAfterOtherMicros;
    }

    PairedRatios ratios() {
        return PairedRatios.of(agentMicros.stream().map(Long::doubleValue).toList(),
                floorMicros().stream().map(Long::doubleValue).toList());
    }

    /** The report's lines: each round, the medians, the ratio with its interval and verdict against TARGET. */
    List<String> describe(double target) {
        StringJoiner each = new StringJoiner("; ");
        for (int i = 0; i < agentMicros.size(); i++) {
            each.add(String.format("%.0f / %.0f against %.0f / %.0f", agentMicros.get(i) / 1000.0, calcMicros.get(i) / 1000.0,
                    atOnceMicros.get(i) / 1000.0, oneAfterOtherMicros.get(i) / 1000.0));
        }
        PairedRatios ratios = ratios();
        double[] interval = ratios.medianInterval();
        return List.of(
                String.format("first programming, %d paired rounds (each: a fresh worker JVM, started as the agent's,"
                        + " programs an empty namespace; then the kernel floor of the content it wrote, in fresh"
                        + " namespaces): median %.0f ms, of which calc %.0f ms; floor median %.0f ms (its writers %s,"
                        + " the faster way by median: at once %.0f ms, one after the other %.0f ms)", agentMicros.size(),
                        median(agentMicros) / 1000.0, median(calcMicros) / 1000.0, median(floorMicros()) / 1000.0,
                        floorAtOnce() ? "at once" : "one after the other", median(atOnceMicros) / 1000.0,
                        median(oneAfterOtherMicros) / 1000.0),
                "  each round, ms (the agent's all / calc against the floor's at once / one after the other): " + each,
                String.format("ratio first programming / kernel floor: median of the paired rounds %.2fx [%.2f, %.2f]"
                        + " (least %.2fx, greatest %.2fx; target <= %.1fx: %s)", ratios.median(), interval[0],
                        interval[1], ratios.quartile(0), ratios.quartile(4), target, ratios.verdict(target, false)));
    }

    private static double median(List<Long> values) {
        return PairedRatios.median(values.stream().map(Long::doubleValue).toList());
    }
}
