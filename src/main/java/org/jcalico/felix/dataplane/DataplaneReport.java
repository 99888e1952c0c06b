package org.jcalico.felix.dataplane;

import java.util.Map;
import java.util.TreeMap;

/** What one apply or resync changed in the kernel, and which interfaces could not be fully programmed (and why). */
public record DataplaneReport(int chainsWritten, int chainsDeleted, int hooksRepaired, int setsWritten, int setsDeleted,
                              int routesAdded, int routesRemoved, int interfacesConfigured, Map<String, String> failures,
                              Map<String, Long> phaseMicros) {
    public DataplaneReport {
        failures = java.util.Collections.unmodifiableMap(new TreeMap<>(failures));
        phaseMicros = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(phaseMicros));
    }

    public boolean changedAnything() {
        return chainsWritten + chainsDeleted + hooksRepaired + setsWritten + setsDeleted + routesAdded + routesRemoved
                + interfacesConfigured > 0 || !failures.isEmpty();
    }

    public String summary() {
        String changes = String.format("chains +%d -%d, hooks %d, ipsets +%d -%d, routes +%d -%d, interfaces %d",
                chainsWritten, chainsDeleted, hooksRepaired, setsWritten, setsDeleted, routesAdded, routesRemoved,
                interfacesConfigured);
        StringBuilder phases = new StringBuilder();
        phaseMicros.forEach((phase, micros) -> phases.append(phases.length() == 0 ? " (" : ", ")
                .append(phase).append(' ').append(micros / 1000).append(" ms"));
        changes += phases.length() == 0 ? "" : phases + ")";
        return failures.isEmpty() ? changes : changes + "; failed: " + failures;
    }
}
