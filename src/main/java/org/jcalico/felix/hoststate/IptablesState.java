package org.jcalico.felix.hoststate;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything jcalico wants in iptables (version 4) or ip6tables (version 6): owned chains per table, and hooks. */
public record IptablesState(int version, Map<String, Map<String, Chain>> tables, List<Hook> hooks) {
    public IptablesState {
        TreeMap<String, Map<String, Chain>> copy = new TreeMap<>();
        tables.forEach((table, chains) -> copy.put(table, java.util.Collections.unmodifiableSortedMap(new TreeMap<>(chains))));
        tables = java.util.Collections.unmodifiableMap(copy);
        hooks = List.copyOf(hooks);
    }

    public Map<String, Chain> chains(String table) {
        return tables.getOrDefault(table, Map.of());
    }
}
