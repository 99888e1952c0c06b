package org.jcalico.felix.dataplane;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one driver changed, and what it could not do: failures are keyed by the object that failed (an interface
 * name, a route's destination, an ipset's name, or the tool, e.g. "ip6tables", when a whole batch was refused).
 */
public record Changes(Map<Change, Integer> counts, Map<String, String> failures) {
    public static final Changes NONE = new Changes(Map.of(), Map.of());

    public Changes {
        EnumMap<Change, Integer> nonZero = new EnumMap<>(Change.class);
        counts.forEach((kind, count) -> {
            if (count != 0) {
                nonZero.put(kind, count);
            }
        });
        counts = Collections.unmodifiableMap(nonZero);
        failures = Collections.unmodifiableMap(new TreeMap<>(failures));
    }

    public static Changes of(Change kind, int count) {
        return new Changes(Map.of(kind, count), Map.of());
    }

    public static Changes failure(String object, String reason) {
        return new Changes(Map.of(), Map.of(object, reason));
    }

    public int count(Change kind) {
        return counts.getOrDefault(kind, 0);
    }

    public Changes plus(Change kind, int count) {
        return plus(of(kind, count));
    }

    public Changes plus(Changes other) {
        EnumMap<Change, Integer> sum = new EnumMap<>(Change.class);
        sum.putAll(counts);
        other.counts.forEach((kind, count) -> sum.merge(kind, count, Integer::sum));
        TreeMap<String, String> allFailures = new TreeMap<>(failures);
        other.failures.forEach((object, reason) -> allFailures.merge(object, reason, (a, b) -> a + "; " + b));
        return new Changes(sum, allFailures);
    }
}
