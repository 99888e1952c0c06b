package org.jcalico.felix.dataplane.ipsets;

import java.util.Collection;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;

/**
 * The addresses a fill holds fail-closed ({@link HostState#holdSet}: calc's rules drop their packets that are not of an
 * established connection, ahead of every policy) while it changes the members of sets the rules already match. The
 * kernel does ipset commands one after another, so a member moved from one set to another, or two members changed in
 * two sets, pass through states that are neither the one before nor the one after, and such a state may allow what
 * both deny (an address in neither of two sets that Deny rules match, say). Held first, in a message of its own,
 * released once the rules of the change are in: a packet whose addresses are not held meets every set as before or as
 * after the change, and a held one's connection is either established or dropped (docs/dataplane.md, "A change passes
 * through no state that allows more"). Sets created by the fill need no hold: no rule matches them yet.
 */
final class Hold {
    private final IpSetSnapshot observed;
    /** Held members (hash:net) by hold set's name. */
    private final TreeMap<String, Set<String>> held = new TreeMap<>();

    Hold(IpSetSnapshot observed) {
        this.observed = observed;
    }

    static boolean isHold(String name) {
        return name.equals(HostState.holdSet(4)) || name.equals(HostState.holdSet(6));
    }

    /** CHANGED members of SET (added or removed) held, when the kernel has the hold set of SET's family. */
    void changing(IpSetSpec set, Collection<String> changed) {
        String hold = HostState.holdSet(set.version());
        if (isHold(set.name()) || changed.isEmpty() || !observed.sets().containsKey(hold)) {
            return;
        }
        Set<String> members = held.computeIfAbsent(hold, name -> new TreeSet<>());
        for (String member : changed) {
            members.add(set.type() == IpSetSpec.Type.IP_PORT ? address(member, set.version()) : member);
        }
    }

    /** The hold's adds, then BODY's commands. */
    IpSetInput.Builder before(IpSetInput.Builder body) {
        IpSetInput.Builder lines = new IpSetInput.Builder();
        held.forEach((name, members) -> lines.members("add", observed.sets().get(name), members));
        return lines.then(body);
    }

    /** The dels that release what was held, and whatever the kernel's hold sets held already (a release lost). */
    IpSetInput release() {
        IpSetInput.Builder lines = new IpSetInput.Builder();
        for (int version : new int[] {4, 6}) {
            IpSetSpec hold = observed.sets().get(HostState.holdSet(version));
            if (hold != null) {
                Set<String> members = new TreeSet<>(hold.members());
                members.addAll(held.getOrDefault(hold.name(), Set.of()));
                lines.members("del", hold, members);
            }
        }
        return lines.build();
    }

    /** The address of a hash:ip,port member ("10.0.0.5,tcp:80"), as a hash:net member. */
    private static String address(String member, int version) {
        return member.substring(0, member.indexOf(',')) + (version == 4 ? "/32" : "/128");
    }
}
