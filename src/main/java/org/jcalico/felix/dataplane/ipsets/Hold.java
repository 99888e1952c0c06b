package org.jcalico.felix.dataplane.ipsets;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;

/**
 * The addresses a fill holds fail-closed ({@link HostState#holdSet}: calc's rules drop their packets that are not of an
 * established connection, ahead of every policy) while it changes the members of MIXED sets ({@link
 * org.jcalico.felix.hoststate.SetPolarity}): sets the rules match both to allow and to deny, or with a Pass, for which
 * no order of the writes keeps every state between tighter than the state before or after (docs/dataplane.md, "A change
 * and the states the kernel passes through"). Held first, in the fill's first message, released once the rules of the
 * change are in: a held address's connection is either established (no set decides it) or dropped. Sets of one
 * polarity and sets created by the fill need no hold. When the hold is not in force (the kernel refused its sets or
 * rules), no change of a MIXED set is written: it waits, and the fill reports it under {@link IpSetDriver#WITHHELD}.
 */
final class Hold {
    private final IpSetSnapshot observed;
    private final boolean inForce;
    /** Held members (hash:net) by hold set's name. */
    private final TreeMap<String, Set<String>> held = new TreeMap<>();
    /** The hold sets too small to hold what a change may move ({@link #enlarge}). */
    private final List<IpSetSpec> enlarged = new ArrayList<>();
    /** The MIXED sets whose change waits, the hold not being in force. */
    private final Set<String> withheld = new TreeSet<>();

    Hold(IpSetSnapshot observed, boolean inForce) {
        this.observed = observed;
        this.inForce = inForce;
    }

    /**
     * Whether the change of SET's members ADDED and REMOVED may be written now: with the hold in force, yes, its members
     * held (when the kernel has the hold set of SET's family); otherwise no, and SET is withheld.
     */
    boolean changing(IpSetSpec set, Collection<String> added, Collection<String> removed) {
        if (!inForce) {
            withheld.add(set.name());
            return false;
        }
        String hold = HostState.holdSet(set.version());
        if (HostState.isHoldSet(set.name()) || !observed.sets().containsKey(hold)) {
            return true;
        }
        Set<String> members = held.computeIfAbsent(hold, name -> new TreeSet<>());
        for (Collection<String> changed : List.of(added, removed)) {
            for (String member : changed) {
                members.add(set.type() == IpSetSpec.Type.IP_PORT ? address(member, set.version()) : member);
            }
        }
        return true;
    }

    /** Whether the change of the set NAME waits ({@link #changing}). */
    boolean withholds(String name) {
        return withheld.contains(name);
    }

    /** The sets whose change waits, as the failure {@link IpSetDriver#WITHHELD}; none, nothing. */
    Changes withheld() {
        return withheld.isEmpty() ? Changes.NONE : Changes.failure(IpSetDriver.WITHHELD, "the change of "
                + String.join(", ", withheld) + " waits for the hold, which is not in force: the rules match "
                + (withheld.size() == 1 ? "it" : "them") + " both to allow and to deny");
    }

    /**
     * The kernel's hold set HOLD has a smaller maxelem than the planner's: it is swapped for one of the planner's (with
     * the members it holds) before anything is held, else it would refuse to hold for ever. Calc's hold sets are
     * otherwise never written (their members are the hold's and the release's), so no other write replaces it.
     */
    void enlarge(IpSetSpec hold) {
        enlarged.add(hold);
    }

    /**
     * The hold sets to enlarge, swapped; the hold's adds; then BODY's commands, fenced off from the adds: the kernel
     * does every message of an exchange even after one is refused, so a change sent with a hold the kernel refused
     * (a full hold set) would land unheld. Behind the fence it is not sent, and the fill reports the refusal.
     */
    IpSetInput.Builder before(IpSetInput.Builder body, int maxElements) {
        IpSetInput.Builder lines = new IpSetInput.Builder(maxElements);
        enlarged.forEach(hold -> IpSetPlanner.swapIn(hold, observed, lines));
        held.forEach((name, members) -> lines.members("add", observed.sets().get(name), members));
        if (!held.isEmpty()) {
            lines.fence();
        }
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
