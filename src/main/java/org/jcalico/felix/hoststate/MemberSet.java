package org.jcalico.felix.hoststate;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The members of an ipset, immutable, for the sets calc keeps between calculations: a selector set of a third of
 * a 100,000-endpoint cluster changes by one member when one endpoint is relabelled, and copying and then diffing the
 * whole set for that was most of the agent's work on such a change. A changed copy ({@link #with}) shares every
 * bucket it does not touch with this one, and says what it added and removed relative to the version it was made
 * from, so that the ipset driver, which last wrote that version, writes the difference without comparing the sets.
 * Only a version number links the two, never a reference: a chain of old versions is never kept alive.
 */
public final class MemberSet extends AbstractSet<String> {
    /** Below this a set is one bucket: copying a small set is cheaper than a bucket array. */
    private static final int BUCKETED_FROM = 512;
    private static final int BUCKET_BITS = 6;
    private static final int BUCKETS = 1 << BUCKET_BITS;
    private static final AtomicLong VERSIONS = new AtomicLong();
    private final Set<String>[] buckets;
    private final int size;
    /** How many members are networks wider than one address ({@link #isNetwork}), kept as the set changes. */
    private final int networks;
    private final long version = VERSIONS.incrementAndGet();
    private final long base;
    private final Set<String> added;
    private final Set<String> removed;

    private MemberSet(Set<String>[] buckets, int networks, long base, Set<String> added, Set<String> removed) {
        this.buckets = buckets;
        this.size = Arrays.stream(buckets).mapToInt(Set::size).sum();
        this.networks = networks;
        this.base = base;
        this.added = added;
        this.removed = removed;
    }

    /** A set of MEMBERS, which are distinct (a duplicate is an {@link IllegalArgumentException}). */
    public static MemberSet of(Collection<String> members) {
        int count = members.size() < BUCKETED_FROM ? 1 : BUCKETS;
        String[][] building = new String[count][];
        int[] sizes = new int[count];
        int capacity = members.size() / count + members.size() / (4 * count) + 8;
        int networks = 0;
        for (String member : members) {
            networks += isNetwork(member) ? 1 : 0;
            int i = bucket(member, count);
            if (building[i] == null) {
                building[i] = new String[capacity];
            } else if (sizes[i] == building[i].length) {
                building[i] = Arrays.copyOf(building[i], sizes[i] * 2);
            }
            building[i][sizes[i]++] = member;
        }
        @SuppressWarnings("unchecked")
        Set<String>[] buckets = new Set[count];
        // straight from the arrays: Set.copyOf of a collection makes a HashSet of it first
        Arrays.setAll(buckets, i -> building[i] == null ? Set.of() : Set.of(Arrays.copyOf(building[i], sizes[i])));
        return new MemberSet(buckets, networks, -1, Set.of(), Set.of());
    }

    /** This set with ADDED (none of them members) added and REMOVED (all members) removed. */
    public MemberSet with(Set<String> added, Set<String> removed) {
        Set<String>[] copy = buckets.clone();
        boolean[] touched = new boolean[copy.length];
        for (Set<String> changed : java.util.List.of(added, removed)) {
            for (String member : changed) {
                int i = bucket(member, copy.length);
                if (!touched[i]) {
                    copy[i] = new HashSet<>(copy[i]);
                    touched[i] = true;
                }
                if (changed == added ? !copy[i].add(member) : !copy[i].remove(member)) {
                    throw new IllegalArgumentException((changed == added ? "already a member: " : "not a member: ")
                            + member);
                }
            }
        }
        for (int i = 0; i < copy.length; i++) {
            if (touched[i]) {
                copy[i] = Set.copyOf(copy[i]);
            }
        }
        int networks = this.networks + (int) (added.stream().filter(MemberSet::isNetwork).count()
                - removed.stream().filter(MemberSet::isNetwork).count());
        return new MemberSet(copy, networks, version, Set.copyOf(added), Set.copyOf(removed));
    }

    /**
     * Whether MEMBER, a network of calc's form ("10.0.0.5/32", "fd00::/32"), is wider than one address: neither an
     * IPv4 /32 nor an IPv6 /128. (A member of an address-and-port set is none of these; such a set's kind does not
     * depend on it.)
     */
    public static boolean isNetwork(String member) {
        return !member.endsWith(member.indexOf(':') < 0 ? "/32" : "/128");
    }

    /** How many members are networks ({@link #isNetwork}), without a walk of the members. */
    public int networks() {
        return networks;
    }

    /** Whether this was made by {@link #with} from OTHER, so that {@link #added} and {@link #removed} say the change. */
    public boolean madeFrom(Set<String> other) {
        return other instanceof MemberSet previous && previous.version == base;
    }

    /** The members added to the set this was made from (see {@link #madeFrom}). */
    public Set<String> added() {
        return added;
    }

    /** The members removed from the set this was made from (see {@link #madeFrom}). */
    public Set<String> removed() {
        return removed;
    }

    /**
     * The bucket of MEMBER among COUNT (1 or {@link #BUCKETS}): the top bits of a multiplicative hash. A hash set
     * indexes by the low bits of the hash, so buckets chosen by those (as they were) left each bucket's set a
     * sixty-fourth of its table to use, and its chains long enough to become trees.
     */
    private static int bucket(Object member, int count) {
        return count == 1 ? 0 : (member.hashCode() * 0x9E3779B9) >>> (Integer.SIZE - BUCKET_BITS);
    }

    @Override
    public boolean contains(Object member) {
        return member != null && buckets[bucket(member, buckets.length)].contains(member);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Iterator<String> iterator() {
        return new Iterator<>() {
            private int next;
            private Iterator<String> current = buckets[0].iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && next + 1 < buckets.length) {
                    current = buckets[++next].iterator();
                }
                return current.hasNext();
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
