package org.jcalico.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus histogram as an agent's or etcd's /metrics page shows it (cumulative counts by upper bound), read back
 * so that a benchmark can print the program's own measure beside its outside one; percentiles come out as bucket
 * bounds.
 */
record ScrapedHistogram(TreeMap<Double, Long> cumulative) {
    static ScrapedHistogram read(String text, String name) {
        return read(text, name, "");
    }

    /**
     * The histogram of the series whose labels other than le are exactly labels, written as the page writes them
     * (Prometheus's clients sort them by name, le last), each followed by a comma: {@code grpc_method="Txn",}.
     */
    static ScrapedHistogram read(String text, String name, String labels) {
        Matcher bucket = Pattern.compile("(?m)^" + Pattern.quote(name + "_bucket{" + labels) + "le=\"([^\"]+)\"\\} (\\S+)$")
                .matcher(text);
        TreeMap<Double, Long> cumulative = new TreeMap<>();
        while (bucket.find()) {
            cumulative.put(bucket.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bucket.group(1)),
                    (long) Double.parseDouble(bucket.group(2)));
        }
        return new ScrapedHistogram(cumulative);
    }

    /** What was observed after {@code before} was read. */
    ScrapedHistogram since(ScrapedHistogram before) {
        TreeMap<Double, Long> difference = new TreeMap<>();
        cumulative.forEach((bound, count) -> difference.put(bound, count - before.cumulative.getOrDefault(bound, 0L)));
        return new ScrapedHistogram(difference);
    }

    long count() {
        return cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
    }

    /** "<=B" with B the upper bound in milliseconds of the bucket holding the percentile (nearest rank), "-" if empty. */
    String bound(int percent) {
        long rank = (long) Math.ceil(percent / 100.0 * count());
        for (Map.Entry<Double, Long> bucket : cumulative.entrySet()) {
            if (rank > 0 && bucket.getValue() >= rank) {
                return bucket.getKey().isInfinite() ? ">max" : "<=" + Math.round(bucket.getKey() * 1000);
            }
        }
        return "-";
    }
}
