package org.jcalico.felix.dataplane.ipsets;

import java.util.Collection;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;

/**
 * The addresses a fill holds fail-closed ({@link HostState#holdSet}: calc's rules drop their packets that are not of an
 * established connection, ahead of every policy) while it changes the members of MIXED sets ({@link
 * org.jcalico.felix.hoststate.SetPolarity}): sets the rules match both to allow and to deny, or with a Pass, for which
 * no order of the writes keeps every state between tighter than the state before or after (docs/dataplane.md, "A change
 * and the states the kernel passes through"). Held first, in the fill's first message, released once the rules of the
 * change are in: a held address's connection is either established (no set decides it) or dropped. Sets of one
 * polarity and sets created by the fill need no hold.
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
    IpSetInput.Builder release() {
        IpSetInput.Builder lines = new IpSetInput.Builder();
        for (int version : new int[] {4, 6}) {
            IpSetSpec hold = observed.sets().get(HostState.holdSet(version));
            if (hold != null) {
                Set<String> members = new TreeSet<>(hold.members());
                members.addAll(held.getOrDefault(hold.name(), Set.of()));
                lines.members("del", hold, members);
            }
        }
        return lines;
    }

    /** The address of a hash:ip,port member ("10.0.0.5,tcp:80"), as a hash:net member. */
    private static String address(String member, int version) {
        return member.substring(0, member.indexOf(',')) + (version == 4 ? "/32" : "/128");
    }
}
