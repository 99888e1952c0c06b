package org.jcalico.felix.program;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.util.PersistentSortedMap;

/**
 * Everything calc wants in one IP family's packet filter: chains by table ("filter", "nat", and "security" under
 * iptables) and hooks into them. Each table's chains are a {@link PersistentSortedMap} (taken as they are when they are
 * one): calc changes them from one calculation to the next at the cost of what changed, and a renderer finds what
 * changed by {@link PersistentSortedMap#diff}.
 */
public record ProgramTables(int version, Map<String, Map<String, ProgramChain>> tables, List<ProgramHook> hooks) {
    public ProgramTables {
        TreeMap<String, Map<String, ProgramChain>> copy = new TreeMap<>();
        tables.forEach((table, chains) -> copy.put(table, PersistentSortedMap.copyOf(chains)));
        tables = java.util.Collections.unmodifiableMap(copy);
        hooks = List.copyOf(hooks);
    }
}
