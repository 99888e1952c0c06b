package org.jcalico.felix.dataplane.ipsets;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.IpSetSpec;

/**
 * The jcalico-owned ipsets: those of a type jcalico creates (IpSetSpec.Type, inet or inet6) with their members, the
 * names of jc- sets of any other kind (misfits, which must be recreated or removed), and the maxelem of each set read
 * back from the kernel with one below {@link IpSetPlanner#MAX_ELEMENTS} (a set not listed has the planner's).
 */
public record IpSetSnapshot(Map<String, IpSetSpec> sets, Set<String> misfits, Map<String, Integer> maxElements) {
    public static final IpSetSnapshot EMPTY = new IpSetSnapshot(Map.of(), Set.of());

    public IpSetSnapshot {
        sets = Collections.unmodifiableMap(new TreeMap<>(sets));
        misfits = Collections.unmodifiableSortedSet(new TreeSet<>(misfits));
        maxElements = Map.copyOf(maxElements);
    }

    public IpSetSnapshot(Map<String, IpSetSpec> sets, Set<String> misfits) {
        this(sets, misfits, Map.of());
    }

    /** Whether the kernel's set NAME holds fewer members at most than MAX_ELEMENTS: too small, to be replaced. */
    boolean undersized(String name, int maxElements) {
        return this.maxElements.getOrDefault(name, maxElements) < maxElements;
    }

    public boolean contains(String name) {
        return sets.containsKey(name) || misfits.contains(name);
    }
}
