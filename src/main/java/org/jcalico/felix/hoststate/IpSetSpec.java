package org.jcalico.felix.hoststate;

import java.util.Set;

/** A jcalico-owned ipset: hash:net of one IP family with canonical members ("10.0.0.5/32" or "fd00::/64").
 * Members are a hash set, not a sorted one: the agent builds sets of tens of thousands of members on every change, and
 * only the few lines written to the kernel need an order.
 */
public record IpSetSpec(String name, int version, Set<String> members) {
    public IpSetSpec {
        if (!name.startsWith(HostState.OWNED_PREFIX) || name.length() > 31) {
            throw new IllegalArgumentException("ipset name " + name + " is not jcalico's or is too long");
        }
        members = Set.copyOf(members);
    }
}
