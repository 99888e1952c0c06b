package org.jcalico.felix.calc;

import java.util.AbstractCollection;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
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
    private final Counts counts;
    /** Members that came (true) or went (false) since the last spec was made; a come-and-gone cancels out. */
    private final Map<String, Boolean> pending = new HashMap<>();
    private IpSetSpec spec;
    /** The members of the last spec made, which the next one is made from. */
    private MemberSet made;

    /** EXPECTED: about how many members the set will have, so that its first members do not grow the table often. */
    CountedMembers(String name, int expected) {
        this.name = name;
        this.counts = new Counts(expected);
    }

    String name() {
        return name;
    }

    void count(List<String> members, int delta) {
        // by index: most lists hold one member, and this runs for every member of every new set: no iterator for each
        for (int i = 0; i < members.size(); i++) {
            String member = members.get(i);
            int change = counts.add(member, delta);
            if (change != 0) {
                // before the first spec every member goes into it: nothing to remember
                if (made != null && pending.remove(member) == null) {
                    pending.put(member, change > 0);
                }
                spec = null;
            }
        }
    }

    IpSetSpec spec(IpSetSpec.Type type, int version) {
        if (spec == null) {
            made = made == null ? MemberSet.of(counts.members()) : changed(made);
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

    /**
     * How many items contribute each member, by open addressing (linear probing, deletion by shifting back): calc keeps
     * a count for every member of every set, and a HashMap's entry took 32 bytes beside its table slot, 2.5 times this.
     */
    static final class Counts {
        private String[] members;
        private int[] counts;
        private int size;

        /** Room for EXPECTED members before the table grows. */
        Counts(int expected) {
            int capacity = Integer.highestOneBit(Math.max(8, expected * 4 / 3 + 1) - 1) << 1;
            members = new String[capacity];
            counts = new int[capacity];
        }

        /** Adds DELTA to MEMBER's count: 1 if the member came (it had none), -1 if it went (none left), else 0. */
        int add(String member, int delta) {
            int mask = members.length - 1;
            int i = home(member, mask);
            while (members[i] != null) {
                if (members[i].equals(member)) {
                    counts[i] += delta;
                    if (counts[i] == 0) {
                        delete(i);
                        return -1;
                    }
                    return 0;
                }
                i = (i + 1) & mask;
            }
            if (delta == 0) {
                return 0;
            }
            members[i] = member;
            counts[i] = delta;
            size++;
            if (size * 4 > members.length * 3) {
                grow();
            }
            return 1;
        }

        /**
         * The members, a view of the table, not a copy: a new set's first spec reads them once, and a list of them
         * was one more walk and copy of a 100,000-member set before its members reached the kernel.
         */
        Collection<String> members() {
            String[] table = members;
            int count = size;
            return new AbstractCollection<>() {
                @Override
                public Iterator<String> iterator() {
                    return Arrays.stream(table).filter(Objects::nonNull).iterator();
                }

                @Override
                public int size() {
                    return count;
                }
            };
        }

        private static int home(String member, int mask) {
            int hash = member.hashCode() * 0x9E3779B9;
            return (hash ^ (hash >>> 16)) & mask;
        }

        /** Empties slot HOLE, moving back each following member of the run whose home is not after the hole. */
        private void delete(int hole) {
            int mask = members.length - 1;
            members[hole] = null;
            size--;
            for (int i = (hole + 1) & mask; members[i] != null; i = (i + 1) & mask) {
                if (((i - home(members[i], mask)) & mask) >= ((i - hole) & mask)) {
                    members[hole] = members[i];
                    counts[hole] = counts[i];
                    members[i] = null;
                    hole = i;
                }
            }
        }

        private void grow() {
            String[] oldMembers = members;
            int[] oldCounts = counts;
            members = new String[oldMembers.length * 2];
            counts = new int[oldMembers.length * 2];
            int mask = members.length - 1;
            for (int j = 0; j < oldMembers.length; j++) {
                if (oldMembers[j] != null) {
                    int i = home(oldMembers[j], mask);
                    while (members[i] != null) {
                        i = (i + 1) & mask;
                    }
                    members[i] = oldMembers[j];
                    counts[i] = oldCounts[j];
                }
            }
        }
    }
}
