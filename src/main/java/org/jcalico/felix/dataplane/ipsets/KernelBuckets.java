package org.jcalico.felix.dataplane.ipsets;

import java.security.SecureRandom;
import org.jcalico.util.Ipv4Member;

/**
 * The bucket in which the kernel keeps a member of a hash:net set of IPv4 networks: jhash2 of the element as the
 * kernel stores it (the address as it is in a packet, then a word whose last byte is the prefix length), seeded with
 * the set's {@code initval}, masked to the set's buckets (net/netfilter/ipset/ip_set_hash_gen.h, {@code HKEY};
 * ip_set_hash_net.c, {@code struct hash_net4_elem}; include/linux/jhash.h). A set's members restored in the order of
 * their buckets are each added to a bucket that the member before it has just brought into the cache, as
 * {@code ipset save} lists them: in a namespace of its own, 6 restores each alternating (load 3.4), 101,040 /32
 * members took 125-132 ms in bucket order against 139-147 ms in any other (that of their text's hash, or bucket order
 * of another seed). The order is all that depends on this: a kernel that hashes otherwise takes the same members in
 * a slower order, and {@code ipset save} shows whether it does (`IpSetHashSizeKernelTest`).
 */
final class KernelBuckets {
    /**
     * The seed of the sets this agent creates whole: random, as the kernel's own (which keeps an attacker who can pick
     * addresses from filling one bucket), chosen once so that the same content reads the same in one agent's log.
     */
    static final int INITVAL = new SecureRandom().nextInt();
    private static final int JHASH_INITVAL = 0xdeadbeef;
    private static final int[] FINAL_ROTATIONS = {14, 11, 25, 16, 4, 14, 24};

    private KernelBuckets() {
    }

    /**
     * A number that orders MEMBER ("A.B.C.D/LEN" or "A.B.C.D") by its bucket among BUCKETS (a power of two): the
     * bucket in its top bits, the rest of the hash below them, so that two members of one bucket differ too (their
     * text, which ordered them before, was a third of the ordering's time: 35,000 sorts of a few strings each for a
     * set of 101,040 members in 65,536 buckets). The member's hash code for another form.
     */
    static int order(String member, int initval, int buckets) {
        int[] element = element(member);
        if (element == null) {
            return member.hashCode();
        }
        return ordered(jhash2(element[0], element[1], initval), buckets);
    }

    /** The same for an IPv4 network's code ({@link Ipv4Member}): no text to read. */
    static int order(long code, int initval, int buckets) {
        // the address as it is in memory on a little-endian machine: its first octet lowest
        return ordered(jhash2(Integer.reverseBytes(Ipv4Member.address(code)), Ipv4Member.prefixLength(code) << 24,
                initval), buckets);
    }

    private static int ordered(int hash, int buckets) {
        // the bucket is the hash's low bits: rotated to the top, and flipped so that a signed sort goes 0, 1, 2 ...
        return Integer.rotateRight(hash, Integer.numberOfTrailingZeros(buckets)) ^ Integer.MIN_VALUE;
    }

    /** The two words of the kernel's element for MEMBER, or null for another form. */
    private static int[] element(String member) {
        int address = 0;
        int octets = 0;
        int value = -1;
        int length = 32;
        boolean prefixed = false;
        for (int i = 0; i < member.length(); i++) {
            char c = member.charAt(i);
            if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else if ((c == '.' || c == '/') && value >= 0 && octets < 4) {
                // the address as it is in memory on a little-endian machine: its first octet lowest
                address |= value << 8 * octets++;
                value = -1;
                if (c == '/') {
                    if (octets != 4) {
                        return null;
                    }
                    length = prefixLength(member, i + 1);
                    if (length < 0) {
                        return null;
                    }
                    prefixed = true;
                    break;
                }
            } else {
                return null;
            }
        }
        if (!prefixed) {
            if (octets != 3 || value < 0) {
                return null;
            }
            address |= value << 24;
        }
        return new int[] {address, length << 24};
    }

    private static int prefixLength(String member, int start) {
        if (start == member.length() || member.length() - start > 2) {
            return -1;
        }
        int length = 0;
        for (int i = start; i < member.length(); i++) {
            char c = member.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            length = length * 10 + (c - '0');
        }
        return length <= 32 ? length : -1;
    }

    /** jhash2 of two words (include/linux/jhash.h: the two-word case, then __jhash_final's seven steps). */
    static int jhash2(int first, int second, int initval) {
        int start = JHASH_INITVAL + (2 << 2) + initval;
        int[] abc = {start + first, start + second, start};
        for (int step = 0; step < FINAL_ROTATIONS.length; step++) {
            // c from b, a from c, b from a, and again
            int target = (step + 2) % 3;
            int source = (step + 1) % 3;
            abc[target] ^= abc[source];
            abc[target] -= Integer.rotateLeft(abc[source], FINAL_ROTATIONS[step]);
        }
        return abc[2];
    }
}
