package org.jcalico.felix.dataplane;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one apply or resync changed in the kernel, what it could not do (and why), and how long it took, in all and
 * in each driver ("ipsets", "iptables", "ip6tables", "interfaces", "routes"; drivers run two at a time, so their times
 * add up to more than the whole).
 */
public record DataplaneReport(Changes changes, Duration elapsed, Map<String, Duration> drivers) {
    public DataplaneReport {
        drivers = Map.copyOf(drivers);
    }

    public int count(Change kind) {
        return changes.count(kind);
    }

    /** Failures by object: interface names for endpoint interfaces and their routes, see {@link Changes}. */
    public Map<String, String> failures() {
        return changes.failures();
    }

    public boolean changedAnything() {
        return !changes.counts().isEmpty() || !changes.failures().isEmpty();
    }

    /** One line for the log, e.g. "chains_written=1 set_members_added=2 in 4.1 ms". */
    public String summary() {
        String counts = changes.counts().entrySet().stream()
                .map(entry -> entry.getKey().name().toLowerCase() + "=" + entry.getValue())
                .collect(Collectors.joining(" "));
        String text = (counts.isEmpty() ? "no changes" : counts) + " in " + elapsed.toNanos() / 100_000 / 10.0 + " ms";
        return failures().isEmpty() ? text : text + "; failed: " + failures();
    }
}
