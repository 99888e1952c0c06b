package org.jcalico.felix.dataplane.iptables;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A table's chains after a change, as the chains before with the change laid over them, immutable: a change that
 * touches a few of thousands of chains then costs its own chains, not a copy of the table's map (two such copies were
 * most of what planning an endpoint's arrival still cost once only the chains calc made anew were planned). The
 * change is folded into the base once it holds more than a few dozen chains, so a lookup reads at most two maps.
 */
final class ChangedChains extends AbstractMap<String, List<String>> {
    /** Changed chains kept over the base before they are folded into a base of their own. */
    private static final int FOLD_AT = 64;
    private final Map<String, List<String>> base;
    /** The changed chains: their new hashes, or null for a chain deleted. */
    private final Map<String, List<String>> changed;
    private final int size;

    private ChangedChains(Map<String, List<String>> base, Map<String, List<String>> changed, int size) {
        this.base = base;
        this.changed = changed;
        this.size = size;
    }

    /**
     * BEFORE (immutable: a table state's chains) with CHANGES laid over it: each chain's new hashes, or null for a
     * chain deleted. The result is immutable and keeps nothing of CHANGES.
     */
    static ChangedChains of(Map<String, List<String>> before, Map<String, List<String>> changes) {
        if (changes.isEmpty() && before instanceof ChangedChains same) {
            return same;
        }
        Map<String, List<String>> base = before;
        Map<String, List<String>> changed = new HashMap<>();
        if (before instanceof ChangedChains layered) {
            base = layered.base;
            changed.putAll(layered.changed);
        }
        changes.forEach((name, hashes) -> changed.put(name, hashes == null ? null : List.copyOf(hashes)));
        int size = base.size();
        for (Map.Entry<String, List<String>> chain : changed.entrySet()) {
            boolean inBase = base.containsKey(chain.getKey());
            if (chain.getValue() == null && inBase) {
                size--;
            } else if (chain.getValue() != null && !inBase) {
                size++;
            }
        }
        ChangedChains result = new ChangedChains(base, changed, size);
        return changed.size() > FOLD_AT
                ? new ChangedChains(Collections.unmodifiableMap(new HashMap<>(result)), Map.of(), size) : result;
    }

    @Override
    public List<String> get(Object name) {
        return changed.containsKey(name) ? changed.get(name) : base.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
        return get(name) != null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<String, List<String>>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, List<String>>> iterator() {
                return Stream.concat(
                        base.entrySet().stream().filter(chain -> !changed.containsKey(chain.getKey())),
                        changed.entrySet().stream().filter(chain -> chain.getValue() != null))
                        .map(chain -> (Entry<String, List<String>>) Map.entry(chain.getKey(), chain.getValue()))
                        .iterator();
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
