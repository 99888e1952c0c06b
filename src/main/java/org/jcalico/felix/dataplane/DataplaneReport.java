package org.jcalico.felix.dataplane;

import java.util.Map;
import java.util.TreeMap;

/** What one apply or resync changed in the kernel, and which interfaces could not be fully programmed (and why). */
public record DataplaneReport(int chainsWritten, int chainsDeleted, int hooksRepaired, int setsWritten, int setsDeleted,
                              int routesAdded, int routesRemoved, int interfacesConfigured, Map<String, String> failures) {
    public DataplaneReport {
        failures = java.util.Collections.unmodifiableMap(new TreeMap<>(failures));
    }

    public boolean changedAnything() {
        return chainsWritten + chainsDeleted + hooksRepaired + setsWritten + setsDeleted + routesAdded + routesRemoved
                + interfacesConfigured > 0 || !failures.isEmpty();
    }

    public String summary() {
        String changes = String.format("chains +%d -%d, hooks %d, ipsets +%d -%d, routes +%d -%d, interfaces %d",
                chainsWritten, chainsDeleted, hooksRepaired, setsWritten, setsDeleted, routesAdded, routesRemoved,
                interfacesConfigured);
        return failures.isEmpty() ? changes : changes + "; failed: " + failures;
    }
}
