package org.jcalico.felix.dataplane.iptables;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import org.jcalico.util.PersistentSortedMap;

/**
 * The jcalico-owned part of one table: the rule hashes of each jc- chain in order ({@link RuleHash#identify}: an
 * untagged rule by the hash of its text), and the tagged rules found in each built-in chain.
 */
public record TableState(Map<String, List<String>> chains, Map<String, List<TaggedRule>> hooks) {
    public static final TableState EMPTY = new TableState(Map.of(), Map.of());

    public TableState {
        // a change's chains put into a persistent map are immutable already: copying thousands for a few is the cost
        // that map avoids (IptablesPlanner)
        chains = chains instanceof PersistentSortedMap ? chains : copy(chains);
        hooks = copy(hooks);
    }

    private static <T> Map<String, List<T>> copy(Map<String, List<T>> map) {
        // hashed, not sorted: with thousands of chains, a sorted copy per apply was most of a small change's planning
        HashMap<String, List<T>> copy = HashMap.newHashMap(map.size());
        map.forEach((name, list) -> copy.put(name, List.copyOf(list)));
        return Collections.unmodifiableMap(copy);
    }
}
