package org.jcalico.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Latency figures in milliseconds as the benchmarks print them: nearest-rank percentiles of one run. */
final class Latencies {
    private Latencies() {
    }

    /** The smallest of the sorted figures that at least {@code percent} % of them do not exceed. */
    static long percentile(List<Long> sorted, int percent) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    static List<Long> sorted(List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return sorted;
    }

    /** One row "label p50 p90 p99 max"; a negative figure stands for a ping never answered. */
    static void row(PrintWriter out, String label, List<Long> millis) {
        List<Long> sorted = sorted(millis);
        if (sorted.get(0) < 0) {
            out.printf("  %-34s some pings were never answered%n", label);
            return;
        }
        out.printf("  %-34s %6d %6d %6d %6d%n", label, percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99), sorted.get(sorted.size() - 1));
    }
}
