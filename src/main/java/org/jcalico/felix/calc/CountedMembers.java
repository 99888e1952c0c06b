package org.jcalico.felix.calc;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;

/**
 * The members of one ipset that calc keeps between calculations (selector, named-port and tag sets): how many items
 * contribute each member (two endpoints may share an address), and the spec last handed out. A spec is made again
 * only when a member came or went, as a {@link MemberSet} changed from the last one, so that neither calc nor the
 * ipset driver copies or compares a large set for a small change.
 */
final class CountedMembers {
    /** Hashing the selector's text for the name on every calculation cost more than the rest of an idle one. */
    private final String name;
    private final Map<String, Integer> counts = new HashMap<>();
    /** Members that came (true) or went (false) since the last spec was made; a come-and-gone cancels out. */
    private final Map<String, Boolean> pending = new HashMap<>();
    private IpSetSpec spec;
    /** The members of the last spec made, which the next one is made from. */
    private MemberSet made;

    CountedMembers(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    void count(List<String> members, int delta) {
        for (String member : members) {
            boolean was = counts.containsKey(member);
            counts.merge(member, delta, (a, b) -> a + b == 0 ? null : a + b);
            if (was != counts.containsKey(member)) {
                if (pending.remove(member) == null) {
                    pending.put(member, !was);
                }
                spec = null;
            }
        }
    }

    IpSetSpec spec(IpSetSpec.Type type, int version) {
        if (spec == null) {
            made = made == null ? MemberSet.of(counts.keySet()) : changed(made);
            pending.clear();
            spec = new IpSetSpec(name, type, version, made);
        }
        return spec;
    }

    private MemberSet changed(MemberSet previous) {
        Set<String> added = new HashSet<>();
        Set<String> removed = new HashSet<>();
        pending.forEach((member, came) -> (came ? added : removed).add(member));
        return previous.with(added, removed);
    }
}
