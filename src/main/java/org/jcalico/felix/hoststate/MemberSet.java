package org.jcalico.felix.hoststate;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jcalico.util.Ipv4Member;

/**
 * The members of an ipset, immutable, for the sets calc keeps between calculations: a selector set of a third of
 * a 100,000-endpoint cluster changes by one member when one endpoint is relabelled, and copying and then diffing the
 * whole set for that was most of the agent's work on such a change. A changed copy ({@link #with}) shares every
 * bucket it does not touch with this one, and says what it added and removed relative to the version it was made
 * from, so that the ipset driver, which last wrote that version, writes the difference without comparing the sets.
 * Only a version number links the two, never a reference: a chain of old versions is never kept alive.
 * <p>
 * Calc's IPv4 sets are held as codes ({@link Ipv4Member}, {@link #ofCodes}), each bucket a sorted array: the ipset
 * driver writes them to the kernel from the numbers ({@link #codes}), and a member's text is made only where it is
 * read as a string (a change's members, a log, the nftables driver's script).
 */
public final class MemberSet extends AbstractSet<String> {
    /** Below this a set is one bucket: copying a small set is cheaper than a bucket array. */
    private static final int BUCKETED_FROM = 512;
    private static final int BUCKET_BITS = 6;
    private static final int BUCKETS = 1 << BUCKET_BITS;
    private static final AtomicLong VERSIONS = new AtomicLong();
    /** The members as text, or null when they are codes. */
    private final Set<String>[] buckets;
    /** The members as codes, each bucket sorted, or null when they are text. */
    private final long[][] coded;
    private final int size;
    /** How many members are networks wider than one address ({@link #isNetwork}), kept as the set changes. */
    private final int networks;
    private final long version = VERSIONS.incrementAndGet();
    private final long base;
    private final Set<String> added;
    private final Set<String> removed;
    /** The set's hash code as a set of strings, made at its first use (0: not yet). */
    private int hash;

    private MemberSet(Set<String>[] buckets, int networks, long base, Set<String> added, Set<String> removed) {
        this(buckets, null, Arrays.stream(buckets).mapToInt(Set::size).sum(), networks, base, added, removed);
    }

    private MemberSet(Set<String>[] buckets, long[][] coded, int size, int networks, long base, Set<String> added,
                      Set<String> removed) {
        this.buckets = buckets;
        this.coded = coded;
        this.size = size;
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

    /** A set of the IPv4 members CODES ({@link Ipv4Member}), which are distinct (a duplicate is refused). */
    public static MemberSet ofCodes(long[] codes) {
        int count = codes.length < BUCKETED_FROM ? 1 : BUCKETS;
        int[] sizes = new int[count];
        int networks = 0;
        for (long code : codes) {
            sizes[bucket(code, count)]++;
            networks += Ipv4Member.isNetwork(code) ? 1 : 0;
        }
        long[][] buckets = new long[count][];
        Arrays.setAll(buckets, i -> new long[sizes[i]]);
        Arrays.fill(sizes, 0);
        for (long code : codes) {
            int i = bucket(code, count);
            buckets[i][sizes[i]++] = code;
        }
        for (long[] bucket : buckets) {
            Arrays.sort(bucket);
            for (int i = 1; i < bucket.length; i++) {
                if (bucket[i] == bucket[i - 1]) {
                    throw new IllegalArgumentException("a member twice: " + Ipv4Member.text(bucket[i]));
                }
            }
        }
        return new MemberSet(null, buckets, codes.length, networks, -1, Set.of(), Set.of());
    }

    /** This set with ADDED (none of them members) added and REMOVED (all members) removed. */
    public MemberSet with(Set<String> added, Set<String> removed) {
        if (coded != null) {
            MemberSet changed = withCodes(added, removed);
            if (changed != null) {
                return changed;
            }
            // a member that is no IPv4 code: the set goes on as text
            return MemberSet.of(this).withText(added, removed, version);
        }
        return withText(added, removed, version);
    }

    /** The same of a set of codes, or null if a member changed is not one ({@link Ipv4Member#parse}). */
    private MemberSet withCodes(Set<String> added, Set<String> removed) {
        long[][] copy = coded.clone();
        long[] adds = parsed(added);
        long[] removes = parsed(removed);
        if (adds == null || removes == null) {
            return null;
        }
        int networks = this.networks;
        for (long code : removes) {
            long[] bucket = copy[bucket(code, copy.length)];
            int at = Arrays.binarySearch(bucket, code);
            if (at < 0) {
                throw new IllegalArgumentException("not a member: " + Ipv4Member.text(code));
            }
            long[] smaller = new long[bucket.length - 1];
            System.arraycopy(bucket, 0, smaller, 0, at);
            System.arraycopy(bucket, at + 1, smaller, at, smaller.length - at);
            copy[bucket(code, copy.length)] = smaller;
            networks -= Ipv4Member.isNetwork(code) ? 1 : 0;
        }
        for (long code : adds) {
            long[] bucket = copy[bucket(code, copy.length)];
            int at = Arrays.binarySearch(bucket, code);
            if (at >= 0) {
                throw new IllegalArgumentException("already a member: " + Ipv4Member.text(code));
            }
            at = -at - 1;
            long[] larger = new long[bucket.length + 1];
            System.arraycopy(bucket, 0, larger, 0, at);
            larger[at] = code;
            System.arraycopy(bucket, at, larger, at + 1, bucket.length - at);
            copy[bucket(code, copy.length)] = larger;
            networks += Ipv4Member.isNetwork(code) ? 1 : 0;
        }
        return new MemberSet(null, copy, size + adds.length - removes.length, networks, version, Set.copyOf(added),
                Set.copyOf(removed));
    }

    /** The codes of MEMBERS, or null if one is not an IPv4 member's text. */
    private static long[] parsed(Set<String> members) {
        long[] codes = new long[members.size()];
        int n = 0;
        for (String member : members) {
            codes[n] = Ipv4Member.parse(member);
            if (codes[n++] < 0) {
                return null;
            }
        }
        return codes;
    }

    private MemberSet withText(Set<String> added, Set<String> removed, long base) {
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
        return new MemberSet(copy, networks, base, Set.copyOf(added), Set.copyOf(removed));
    }

    /**
     * Whether MEMBER, a network of calc's form ("10.0.0.5/32", "fd00::/32"), is wider than one address: neither an
     * IPv4 /32 nor an IPv6 /128. (A member of an address-and-port set is none of these; such a set's kind does not
     * depend on it.)
     */
    public static boolean isNetwork(String member) {
        return !member.endsWith(member.indexOf(':') < 0 ? "/32" : "/128");
    }

    /**
     * The members as IPv4 codes ({@link Ipv4Member}), in the set's own order, or null when they are text (an IPv6
     * set, or one not made by {@link #ofCodes}).
     */
    public long[] codes() {
        if (coded == null) {
            return null;
        }
        long[] codes = new long[size];
        int n = 0;
        for (long[] bucket : coded) {
            System.arraycopy(bucket, 0, codes, n, bucket.length);
            n += bucket.length;
        }
        return codes;
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
        return bucket(member.hashCode(), count);
    }

    private static int bucket(long code, int count) {
        return bucket(Long.hashCode(code), count);
    }

    private static int bucket(int hashCode, int count) {
        return count == 1 ? 0 : (hashCode * 0x9E3779B9) >>> (Integer.SIZE - BUCKET_BITS);
    }

    /** Whether its members are IPv4 codes ({@link #ofCodes}), which {@link #containsCode} looks up without text. */
    public boolean hasCodes() {
        return coded != null;
    }

    /** Whether CODE ({@link Ipv4Member}) is a member of this set of codes ({@link #hasCodes}). */
    public boolean containsCode(long code) {
        return code >= 0 && Arrays.binarySearch(coded[bucket(code, coded.length)], code) >= 0;
    }

    @Override
    public boolean contains(Object member) {
        if (coded != null) {
            return member instanceof String text && containsCode(Ipv4Member.parse(text));
        }
        return member != null && buckets[bucket(member, buckets.length)].contains(member);
    }

    /** Of two sets of codes, compared by their codes: a text each would be made of one of them otherwise. */
    @Override
    public boolean equals(Object other) {
        if (other == this) {
            return true;
        }
        if (!(other instanceof MemberSet that) || coded == null || that.coded == null) {
            return super.equals(other);
        }
        if (size != that.size) {
            return false;
        }
        for (long[] bucket : coded) {
            for (long code : bucket) {
                if (Arrays.binarySearch(that.coded[bucket(code, that.coded.length)], code) < 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** As a set of its members' text (equal to an equal set of strings'), made once. */
    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = super.hashCode();
            hash = h;
        }
        return h;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Iterator<String> iterator() {
        if (coded != null) {
            return codeIterator();
        }
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

    /** The text of each code, made as it is read. */
    private Iterator<String> codeIterator() {
        return new Iterator<>() {
            private int bucket;
            private int next;

            @Override
            public boolean hasNext() {
                while (next == coded[bucket].length && bucket + 1 < coded.length) {
                    bucket++;
                    next = 0;
                }
                return next < coded[bucket].length;
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return Ipv4Member.text(coded[bucket][next++]);
            }
        };
    }
}
