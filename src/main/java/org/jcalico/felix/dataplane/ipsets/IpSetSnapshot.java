package org.jcalico.felix.dataplane.ipsets;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.IpSetSpec;

/**
 * The jcalico-owned ipsets: those of a type jcalico creates (IpSetSpec.Type, inet or inet6) with their members, and the
 * names of jc- sets of any other kind (misfits, which must be recreated or removed).
 */
public record IpSetSnapshot(Map<String, IpSetSpec> sets, Set<String> misfits) {
    public static final IpSetSnapshot EMPTY = new IpSetSnapshot(Map.of(), Set.of());

    public IpSetSnapshot {
        sets = Collections.unmodifiableMap(new TreeMap<>(sets));
        misfits = Collections.unmodifiableSortedSet(new TreeSet<>(misfits));
    }

    public boolean contains(String name) {
        return sets.containsKey(name) || misfits.contains(name);
    }
}
