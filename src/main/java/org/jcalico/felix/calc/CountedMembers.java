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
import org.jcalico.util.Ipv4Member;

/**
 * The members of one ipset that calc keeps between calculations (selector, named-port and tag sets): how many items
 * contribute each member (two endpoints may share an address), and the spec last handed out. An IPv4 set's members are
 * counted as codes ({@link Ipv4Member}) and handed out as such ({@link MemberSet#ofCodes}): no text is made of them
 * unless a change names them; an IPv6 set's are counted as text. A spec is made again
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

    /**
     * EXPECTED: about how many members the set will have, so that its first members do not grow the table often;
     * CODED: its members are IPv4 codes ({@link #count(long[], int)}), else text ({@link #count(List, int)}).
     */
    CountedMembers(String name, int expected, boolean coded) {
        this.name = name;
        this.counts = new Counts(expected, coded);
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

    /** Counts CODES, the IPv4 members of one item, as {@link #count(List, int)} counts text. */
    void count(long[] codes, int delta) {
        for (long code : codes) {
            int change = counts.add(code, delta);
            if (change != 0) {
                if (made != null) {
                    // the text of what changed only: the driver writes the change by it
                    String member = Ipv4Member.text(code);
                    if (pending.remove(member) == null) {
                        pending.put(member, change > 0);
                    }
                }
                spec = null;
            }
        }
    }

    IpSetSpec spec(IpSetSpec.Type type, int version) {
        if (spec == null) {
            made = made == null ? counts.memberSet() : changed(made);
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
     * Its members are all text or all codes (an IPv4 set's): a slot is taken while its count is not 0.
     */
    static final class Counts {
        private final boolean coded;
        private String[] members;
        private long[] codes;
        private int[] counts;
        private int size;

        /** Room for EXPECTED members before the table grows; CODED: members are codes, else text. */
        Counts(int expected, boolean coded) {
            this.coded = coded;
            allocate(Integer.highestOneBit(Math.max(8, expected * 4 / 3 + 1) - 1) << 1);
        }

        /** Adds DELTA to MEMBER's count: 1 if the member came (it had none), -1 if it went (none left), else 0. */
        int add(String member, int delta) {
            int mask = counts.length - 1;
            int i = home(member.hashCode(), mask);
            while (counts[i] != 0) {
                if (members[i].equals(member)) {
                    return changed(i, delta);
                }
                i = (i + 1) & mask;
            }
            if (delta == 0) {
                return 0;
            }
            members[i] = member;
            return taken(i, delta);
        }

        /** The same for a code. */
        int add(long code, int delta) {
            int mask = counts.length - 1;
            int i = home(Long.hashCode(code), mask);
            while (counts[i] != 0) {
                if (codes[i] == code) {
                    return changed(i, delta);
                }
                i = (i + 1) & mask;
            }
            if (delta == 0) {
                return 0;
            }
            codes[i] = code;
            return taken(i, delta);
        }

        private int changed(int i, int delta) {
            counts[i] += delta;
            if (counts[i] == 0) {
                delete(i);
                return -1;
            }
            return 0;
        }

        private int taken(int i, int delta) {
            counts[i] = delta;
            size++;
            if (size * 4 > counts.length * 3) {
                grow();
            }
            return 1;
        }

        /**
         * The members as a set made afresh. Text members are read from a view of the table, not a copy: a list of
         * them was one more walk and copy of a 100,000-member set before its members reached the kernel.
         */
        MemberSet memberSet() {
            if (coded) {
                long[] taken = new long[size];
                int n = 0;
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] != 0) {
                        taken[n++] = codes[i];
                    }
                }
                return MemberSet.ofCodes(taken);
            }
            String[] table = members;
            int count = size;
            return MemberSet.of(new AbstractCollection<>() {
                @Override
                public Iterator<String> iterator() {
                    return Arrays.stream(table).filter(Objects::nonNull).iterator();
                }

                @Override
                public int size() {
                    return count;
                }
            });
        }

        private static int home(int hashCode, int mask) {
            int hash = hashCode * 0x9E3779B9;
            return (hash ^ (hash >>> 16)) & mask;
        }

        private int homeOf(int slot, int mask) {
            return home(coded ? Long.hashCode(codes[slot]) : members[slot].hashCode(), mask);
        }

        /** Empties slot HOLE, moving back each following member of the run whose home is not after the hole. */
        private void delete(int hole) {
            int mask = counts.length - 1;
            clear(hole);
            size--;
            for (int i = (hole + 1) & mask; counts[i] != 0; i = (i + 1) & mask) {
                if (((i - homeOf(i, mask)) & mask) >= ((i - hole) & mask)) {
                    move(i, hole);
                    hole = i;
                }
            }
        }

        private void move(int from, int to) {
            if (coded) {
                codes[to] = codes[from];
            } else {
                members[to] = members[from];
            }
            counts[to] = counts[from];
            clear(from);
        }

        private void clear(int slot) {
            counts[slot] = 0;
            if (!coded) {
                members[slot] = null;
            }
        }

        private void allocate(int capacity) {
            counts = new int[capacity];
            if (coded) {
                codes = new long[capacity];
            } else {
                members = new String[capacity];
            }
        }

        private void grow() {
            String[] oldMembers = members;
            long[] oldCodes = codes;
            int[] oldCounts = counts;
            allocate(oldCounts.length * 2);
            int mask = counts.length - 1;
            for (int j = 0; j < oldCounts.length; j++) {
                if (oldCounts[j] != 0) {
                    int i = home(coded ? Long.hashCode(oldCodes[j]) : oldMembers[j].hashCode(), mask);
                    while (counts[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    if (coded) {
                        codes[i] = oldCodes[j];
                    } else {
                        members[i] = oldMembers[j];
                    }
                    counts[i] = oldCounts[j];
                }
            }
        }
    }
}
