package org.jcalico.felix.hoststate;

import java.util.AbstractMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.util.PersistentSortedMap;

/**
 * {@link HostState#concerns()} as calc makes it: which local endpoints each isolable chain or set concerns, worked out
 * from each endpoint's list of objects only when asked. Only a refused chain or set, and `policy explain`, ask; an apply
 * that succeeds does not, and inverting a thousand endpoints' lists on every calculation was a third of calc's work for
 * a change that touches a local endpoint. Immutable. The lists are kept by owner in a persistent map, which calc changes
 * by the endpoints that came and went: an endpoint's arrival costs its own list, not a list of every endpoint's.
 */
public final class Concerns extends AbstractMap<String, Set<String>> {
    /** Each owner's lists (two endpoints may have one interface in a broken cluster: then both lists are there). */
    private final PersistentSortedMap<String, List<Owned>> owned;
    private Map<String, Set<String>> inverted;

    /** OBJECTS (chain and set names) concern the endpoint of interface OWNER. */
    public record Owned(String owner, List<String> objects) {
        public Owned {
            objects = List.copyOf(objects);
        }
    }

    /** OWNED: each owner's lists, which are immutable. */
    public Concerns(PersistentSortedMap<String, List<Owned>> owned) {
        this.owned = owned;
    }

    private synchronized Map<String, Set<String>> inverted() {
        if (inverted == null) {
            Map<String, Set<String>> byObject = new HashMap<>();
            owned.forEach((owner, lists) -> lists.forEach(one -> {
                for (String object : one.objects()) {
                    byObject.computeIfAbsent(object, k -> new HashSet<>()).add(one.owner());
                }
            }));
            Map<String, Set<String>> frozen = new HashMap<>();
            byObject.forEach((object, owners) -> frozen.put(object, Set.copyOf(owners)));
            inverted = Map.copyOf(frozen);
        }
        return inverted;
    }

    @Override
    public Set<Entry<String, Set<String>>> entrySet() {
        return inverted().entrySet();
    }

    @Override
    public Set<String> get(Object object) {
        return inverted().get(object);
    }

    @Override
    public boolean containsKey(Object object) {
        return inverted().containsKey(object);
    }

    /** For a caller that wants a plain map of its own. */
    public Map<String, Set<String>> toMap() {
        return new HashMap<>(inverted());
    }
}
