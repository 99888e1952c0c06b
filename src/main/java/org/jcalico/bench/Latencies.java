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

    /**
     * The table of an add's latencies: when the command (or call) returned, and when a ping from the same host and
     * from another was first answered; its heading and rows in one place, so that they stay aligned.
     */
    static void table(PrintWriter out, String returnedLabel, List<Long> returned, List<Long> sameHost,
                      List<Long> otherHost) {
        out.printf("  %-34s %6s %6s %6s %6s%n", "", "p50", "p90", "p99", "max");
        row(out, returnedLabel, returned);
        row(out, "(b) first ping answered, same host", sameHost);
        row(out, "(c) first ping answered, other host", otherHost);
    }

    /** One row "label p50 p90 p99 max"; a negative figure stands for a ping never answered. */
    private static void row(PrintWriter out, String label, List<Long> millis) {
        List<Long> sorted = sorted(millis);
        if (sorted.get(0) < 0) {
            out.printf("  %-34s some pings were never answered%n", label);
            return;
        }
        out.printf("  %-34s %6d %6d %6d %6d%n", label, Percentiles.of(sorted, 50), Percentiles.of(sorted, 90),
                Percentiles.of(sorted, 99), sorted.get(sorted.size() - 1));
    }
}
