package org.jcalico.bench;

import java.util.List;
import java.util.StringJoiner;

/**
 * `bench policy`'s first programming against its kernel floor, round by round: in each round a fresh worker JVM
 * programs an empty namespace (the agent's side) and then the floor puts the very content it wrote into fresh
 * namespaces. The pairing and the floor's way are {@link ColdRuns}' (one place for both benches); this adds the
 * calculation's share of each round and the report's lines (docs/dataplane.md, session 66).
 */
record FirstProgrammingRounds(ColdRuns runs, List<Long> calcMicros) {
    FirstProgrammingRounds {
        calcMicros = List.copyOf(calcMicros);
        if (calcMicros.size() != runs.programs().size()) {
            throw new IllegalArgumentException("rounds not paired: " + runs.programs().size() + " agent, "
                    + calcMicros.size() + " calc");
        }
    }

    /** The report's lines: each round, the medians, the ratio with its interval and verdict against TARGET. */
    List<String> describe(double target) {
        StringJoiner each = new StringJoiner("; ");
        List<Long> agentMicros = runs.programs();
        for (int i = 0; i < agentMicros.size(); i++) {
            each.add(String.format("%.0f / %.0f against %.0f / %.0f", agentMicros.get(i) / 1000.0, calcMicros.get(i) / 1000.0,
                    runs.atOnce().get(i) / 1000.0, runs.oneAfterTheOther().get(i) / 1000.0));
        }
        PairedRatios ratios = runs.ratios();
        double[] interval = ratios.medianInterval();
        return List.of(
                String.format("first programming, %d paired rounds (each: a fresh worker JVM, started as the agent's,"
                        + " programs an empty namespace; then the kernel floor of the content it wrote, in fresh"
                        + " namespaces): median %.0f ms, of which calc %.0f ms; floor median %.0f ms (its writers %s,"
                        + " the faster way by median: at once %.0f ms, one after the other %.0f ms)", agentMicros.size(),
                        ColdRuns.median(agentMicros) / 1000.0, ColdRuns.median(calcMicros) / 1000.0,
                        ColdRuns.median(runs.floors()) / 1000.0, runs.floorAtOnce() ? "at once" : "one after the other",
                        ColdRuns.median(runs.atOnce()) / 1000.0, ColdRuns.median(runs.oneAfterTheOther()) / 1000.0),
                "  each round, ms (the agent's all / calc against the floor's at once / one after the other): " + each,
                String.format("ratio first programming / kernel floor: median of the paired rounds %.2fx [%.2f, %.2f]"
                        + " (least %.2fx, greatest %.2fx; target <= %.1fx: %s)", ratios.median(), interval[0],
                        interval[1], ratios.quartile(0), ratios.quartile(4), target, ratios.verdict(target, false)));
    }
}
