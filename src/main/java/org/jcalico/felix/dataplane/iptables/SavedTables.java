package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.HostState;

/**
 * The parts of `iptables-save` output that concern jcalico: per table, the rule hashes of each owned chain, and
 * the rules of built-in chains (to find hooks: where they are, and duplicates).
 */
record SavedTables(Map<String, Map<String, List<String>>> ownedChains, Map<String, Map<String, List<String>>> builtinRules) {

    static SavedTables parse(String save) {
        Map<String, Map<String, List<String>>> owned = new LinkedHashMap<>();
        Map<String, Map<String, List<String>>> builtin = new LinkedHashMap<>();
        String table = null;
        for (String line : save.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
                owned.put(table, new LinkedHashMap<>());
                builtin.put(table, new LinkedHashMap<>());
            } else if (table != null && line.startsWith(":")) {
                String chain = line.substring(1).split("\\s+")[0];
                (chain.startsWith(HostState.OWNED_PREFIX) ? owned : builtin).get(table).put(chain, new ArrayList<>());
            } else if (table != null && line.startsWith("-A ")) {
                String chain = line.substring(3).split("\\s+")[0];
                if (chain.startsWith(HostState.OWNED_PREFIX)) {
                    String hash = RuleHash.find(line);
                    owned.get(table).computeIfAbsent(chain, c -> new ArrayList<>()).add(hash == null ? "?" : hash);
                } else {
                    builtin.get(table).computeIfAbsent(chain, c -> new ArrayList<>()).add(line);
                }
            }
        }
        return new SavedTables(owned, builtin);
    }

    Map<String, List<String>> owned(String table) {
        return ownedChains.getOrDefault(table, Map.of());
    }

    List<String> builtin(String table, String chain) {
        return builtinRules.getOrDefault(table, Map.of()).getOrDefault(chain, List.of());
    }
}
