package org.jcalico.felix.dataplane;

import java.util.HashMap;
import java.util.Map;

/** Accumulates one pass's changes and failures across the drivers. */
final class Counts {
    int chainsWritten;
    int chainsDeleted;
    int hooksRepaired;
    int setsWritten;
    int setsDeleted;
    int routesAdded;
    int routesRemoved;
    int interfacesConfigured;
    final Map<String, String> failures = new HashMap<>();
    final Map<String, Long> phaseMicros = new java.util.LinkedHashMap<>();

    void fail(String interfaceName, String reason) {
        failures.merge(interfaceName, reason, (a, b) -> a + "; " + b);
    }

    /** Records how long a phase took, from its start. */
    void timed(String phase, long startNanos) {
        phaseMicros.put(phase, (System.nanoTime() - startNanos) / 1000);
    }

    DataplaneReport report() {
        return new DataplaneReport(chainsWritten, chainsDeleted, hooksRepaired, setsWritten, setsDeleted, routesAdded,
                routesRemoved, interfacesConfigured, failures, phaseMicros);
    }
}
