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
        return new Tally().add(this).add(other).changes();
    }

    /**
     * Changes summed where a loop makes thousands of them (a cold pass's 2,500 chains a family, its 2,000 routes): one
     * map added to, where {@link #plus} copies both maps at each step. Those copies were about a sixth of a cold
     * iptables plan's CPU (docs/dataplane.md, "Session 63 (p-cold)"). Not shared between threads.
     */
    public static final class Tally {
        private final EnumMap<Change, Integer> counts = new EnumMap<>(Change.class);
        private final TreeMap<String, String> failures = new TreeMap<>();

        public Tally add(Change kind, int count) {
            counts.merge(kind, count, Integer::sum);
            return this;
        }

        /** OTHER's counts summed, its failures joined to those of the same object. */
        public Tally add(Changes other) {
            other.counts.forEach(this::add);
            other.failures.forEach((object, reason) -> failures.merge(object, reason, (a, b) -> a + "; " + b));
            return this;
        }

        public Changes changes() {
            return new Changes(counts, failures);
        }
    }
}
