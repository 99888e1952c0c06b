package org.jcalico.felix.hoststate;

import java.util.Set;

/** A jcalico-owned ipset: hash:net of one IP family with canonical members ("10.0.0.5/32" or "fd00::/64"), sorted. */
public record IpSetSpec(String name, int version, Set<String> members) {
    public IpSetSpec {
        if (!name.startsWith(HostState.OWNED_PREFIX) || name.length() > 31) {
            throw new IllegalArgumentException("ipset name " + name + " is not jcalico's or is too long");
        }
        members = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(members));
    }
}
