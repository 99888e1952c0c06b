package org.jcalico.felix.program;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything calc wants in one IP family's packet filter: chains by table ("filter", "nat") and hooks into them. */
public record ProgramTables(int version, Map<String, Map<String, ProgramChain>> tables, List<ProgramHook> hooks) {
    public ProgramTables {
        TreeMap<String, Map<String, ProgramChain>> copy = new TreeMap<>();
        tables.forEach((table, chains) -> copy.put(table, java.util.Collections.unmodifiableSortedMap(new TreeMap<>(chains))));
        tables = java.util.Collections.unmodifiableMap(copy);
        hooks = List.copyOf(hooks);
    }
}
