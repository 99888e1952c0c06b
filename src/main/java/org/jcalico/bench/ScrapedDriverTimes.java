package org.jcalico.bench;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How long each dataplane driver worked during an agent's applies, as its /metrics page shows it (the labelled
 * histogram's sum and count by driver), read back so that `bench attach` can tell which of an apply's pieces an add
 * waits for without a patch of stamps (docs/agent.md, session 64): a driver's mean over the applies between two
 * readings. The drivers run on two threads at once (the rules, and the links and routes behind them), so the means do
 * not add up to an apply.
 */
record ScrapedDriverTimes(Map<String, Double> seconds, Map<String, Long> counts) {
    static final String NAME = "jcalico_dataplane_driver_duration_seconds";

    static ScrapedDriverTimes read(String text) {
        return new ScrapedDriverTimes(series(text, "_sum"), series(text, "_count").entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, entry -> Math.round(entry.getValue()), (a, b) -> a, TreeMap::new)));
    }

    private static Map<String, Double> series(String text, String suffix) {
        Matcher sample = Pattern.compile("(?m)^" + NAME + suffix + "\\{driver=\"([^\"]+)\"\\} (\\S+)$").matcher(text);
        Map<String, Double> values = new TreeMap<>();
        while (sample.find()) {
            values.put(sample.group(1), Double.parseDouble(sample.group(2)));
        }
        return values;
    }

    /** What the applies after {@code before} was read added. */
    ScrapedDriverTimes since(ScrapedDriverTimes before) {
        Map<String, Double> spent = new TreeMap<>();
        Map<String, Long> applies = new TreeMap<>();
        seconds.forEach((driver, sum) -> spent.put(driver, sum - before.seconds.getOrDefault(driver, 0.0)));
        counts.forEach((driver, count) -> applies.put(driver, count - before.counts.getOrDefault(driver, 0L)));
        return new ScrapedDriverTimes(spent, applies);
    }

    /** "DRIVER MEAN, ..." in milliseconds, the slowest first, of the drivers that worked in some apply; "-" if none. */
    String means() {
        String means = counts.entrySet().stream().filter(entry -> entry.getValue() > 0)
                .map(entry -> Map.entry(entry.getKey(), seconds.getOrDefault(entry.getKey(), 0.0) * 1000 / entry.getValue()))
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .map(entry -> String.format("%s %.1f", entry.getKey(), entry.getValue()))
                .collect(Collectors.joining(", "));
        return means.isEmpty() ? "-" : means;
    }

    /** The applies counted (each driver is timed once an apply). */
    long applies() {
        return counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
