package org.jcalico.felix.hoststate;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.util.PersistentSortedMap;

/**
 * Everything jcalico wants in iptables (version 4) or ip6tables (version 6): owned chains per table, and hooks. Each
 * table's chains are a {@link PersistentSortedMap} (taken as they are when they are one), so that a renderer makes the
 * next state at the cost of the chains that changed and a planner finds them by {@link PersistentSortedMap#diff}.
 * MAPS are the nftables verdict maps that hooks' rules look packets up in, each hook's rule ending in its map's
 * {@link VerdictMap#rule()}: the nftables driver's short way for established packets, written into the forward hook
 * itself (docs/dataplane.md, "Session 70 (p-nojump)"); calc writes none.
 */
public record IptablesState(int version, Map<String, Map<String, Chain>> tables, List<Hook> hooks, List<VerdictMap> maps) {
    public IptablesState {
        TreeMap<String, Map<String, Chain>> copy = new TreeMap<>();
        tables.forEach((table, chains) -> copy.put(table, PersistentSortedMap.copyOf(chains)));
        tables = java.util.Collections.unmodifiableMap(copy);
        hooks = List.copyOf(hooks);
        maps = List.copyOf(maps);
        for (VerdictMap map : maps) {
            if (hooks.stream().noneMatch(hook -> hook.rule().endsWith(map.rule()))) {
                throw new IllegalArgumentException("no hook looks up the map " + map.name());
            }
        }
    }

    /** Chains and hooks only, no map looked up from a hook (what calc writes). */
    public IptablesState(int version, Map<String, Map<String, Chain>> tables, List<Hook> hooks) {
        this(version, tables, hooks, List.of());
    }

    public Map<String, Chain> chains(String table) {
        return tables.getOrDefault(table, Map.of());
    }

    /** A table's chains, none when it has no table of that name. */
    public PersistentSortedMap<String, Chain> sortedChains(String table) {
        return PersistentSortedMap.copyOf(chains(table));
    }
}
