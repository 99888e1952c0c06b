package org.jcalico.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Latency figures in milliseconds as the attach and CNI benchmarks print them. */
final class Latencies {
    private Latencies() {
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
        out.printf("  %-34s %6d %6d %6d %6d%n", label, Percentiles.of(sorted, 50), Percentiles.of(sorted, 90),
                Percentiles.of(sorted, 99), sorted.get(sorted.size() - 1));
    }
}
