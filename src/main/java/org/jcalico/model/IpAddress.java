package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jcalico.util.Ipv4Member;
import org.jcalico.util.Shown;

/**
 * An IPv4 or IPv6 address as a number; parsing is strict and never touches DNS. Kept as two longs rather than the
 * BigInteger that {@link #value()} makes: an agent holds an address for every endpoint of the cluster, and a
 * BigInteger with its array was 64 of the 88 bytes each one took (docs/agent.md, "Memory").
 */
public final class IpAddress implements Comparable<IpAddress> {
    private static final BigInteger MAX_V4 = BigInteger.ONE.shiftLeft(32);
    private static final BigInteger MAX_V6 = BigInteger.ONE.shiftLeft(128);
    private final int version;
    /** The upper 64 bits of an IPv6 address; 0 for IPv4. */
    private final long high;
    private final long low;

    public IpAddress(int version, BigInteger value) {
        if (version != 4 && version != 6) {
            throw new IllegalArgumentException("IP version must be 4 or 6, not " + version);
        }
        if (value.signum() < 0 || value.compareTo(version == 4 ? MAX_V4 : MAX_V6) >= 0) {
            throw new IllegalArgumentException("address value out of range for IPv" + version);
        }
        this.version = version;
        this.high = value.shiftRight(64).longValue();
        this.low = value.longValue();
    }

    private IpAddress(int version, long high, long low) {
        this.version = version;
        this.high = high;
        this.low = low;
    }

    /** The address of these 4 (IPv4) or 16 (IPv6) bytes, in network order, as the kernel holds one. */
    public static IpAddress ofBytes(byte[] address) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes, not " + address.length);
        }
        // read by hand: a resync reads 100,000 of them back, and a ByteBuffer apiece would be a third of the garbage
        return address.length == 4 ? new IpAddress(4, 0, bigEndian(address, 0, 4))
                : new IpAddress(6, bigEndian(address, 0, 8), bigEndian(address, 8, 8));
    }

    private static long bigEndian(byte[] bytes, int from, int count) {
        long value = 0;
        for (int i = from; i < from + count; i++) {
            value = value << 8 | Byte.toUnsignedLong(bytes[i]);
        }
        return value;
    }

    /** An IPv4 address's value, its first octet highest (as {@link Ipv4Member} keeps it). */
    public int ipv4() {
        if (version != 4) {
            throw new IllegalStateException(this + " is not an IPv4 address");
        }
        return (int) low;
    }

    public int version() {
        return version;
    }

    /** The address as an unsigned number. */
    public BigInteger value() {
        return new BigInteger(1, ByteBuffer.allocate(16).putLong(high).putLong(low).array());
    }

    /** This address with every bit after the first PREFIX_LENGTH cleared (a prefix length out of range is the caller's). */
    IpAddress masked(int prefixLength) {
        if (version == 4) {
            return new IpAddress(4, 0, prefixLength == 0 ? 0 : low & (0xffffffffL << (32 - prefixLength)) & 0xffffffffL);
        }
        long highMask = prefixLength >= 64 ? -1L : prefixLength == 0 ? 0 : -1L << (64 - prefixLength);
        long lowMask = prefixLength <= 64 ? 0 : prefixLength == 128 ? -1L : -1L << (128 - prefixLength);
        return new IpAddress(6, high & highMask, low & lowMask);
    }

    @JsonCreator
    public static IpAddress parse(String text) {
        IpAddress parsed = parseOrNull(text);
        if (parsed == null) {
            throw new ValidationException("'" + Shown.value(text) + "' is not a valid IP address");
        }
        return parsed;
    }

    public static IpAddress parseOrNull(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            int[] groups = parseV6(text);
            if (groups == null) {
                return null;
            }
            long high = 0;
            long low = 0;
            for (int i = 0; i < 8; i++) {
                if (i < 4) {
                    high = high << 16 | groups[i];
                } else {
                    low = low << 16 | groups[i];
                }
            }
            return new IpAddress(6, high, low);
        }
        long v4 = parseV4(text);
        return v4 < 0 ? null : new IpAddress(4, 0, v4);
    }


    public int bits() {
        return version == 4 ? 32 : 128;
    }

    public IpAddress plus(BigInteger offset) {
        return new IpAddress(version, value().add(offset));
    }


    @Override
    public int compareTo(IpAddress other) {
        int byVersion = Integer.compare(version, other.version);
        if (byVersion != 0) {
            return byVersion;
        }
        int byHigh = Long.compareUnsigned(high, other.high);
        return byHigh != 0 ? byHigh : Long.compareUnsigned(low, other.low);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IpAddress address && version == address.version && high == address.high
                && low == address.low;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * version + Long.hashCode(high)) + Long.hashCode(low);
    }

    @JsonValue
    @Override
    public String toString() {
        return withSuffix("");
    }

    /**
     * The address's text followed by SUFFIX, as one string ("10.0.0.5" and "/32" make "10.0.0.5/32"): calc writes an
     * ipset member for each address of the cluster's endpoints, 200,000 on `bench policy`'s first calculation, and
     * there, on cold code, joining the parts with + took four times as long as filling one array.
     */
    public String withSuffix(String suffix) {
        return version == 4 && isAscii(suffix) ? formatV4(low, suffix) : version == 4 ? formatV4(low, "") + suffix
                : formatV6(high, low) + suffix;
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Dotted quad with exactly four decimal parts, no leading zeros; -1 when malformed. */
    /** Four decimal octets joined by '.', read in place (no split: every endpoint of a listing has an address). */
    private static long parseV4(String text) {
        long result = 0;
        int from = 0;
        for (int octets = 0; octets < 4; octets++) {
            int dot = text.indexOf('.', from);
            if (dot >= 0 == (octets == 3)) {
                return -1;
            }
            int octet = Ipv4Member.decimal(text, from, dot < 0 ? text.length() : dot, 255);
            if (octet < 0) {
                return -1;
            }
            result = (result << 8) | octet;
            from = dot + 1;
        }
        return result;
    }


    /** The eight 16-bit groups of an IPv6 address; null when malformed. */
    private static int[] parseV6(String text) {
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return null;
        }
        String head = doubleColon >= 0 ? text.substring(0, doubleColon) : text;
        String tail = doubleColon >= 0 ? text.substring(doubleColon + 2) : "";
        int[] headGroups = parseGroups(head, doubleColon < 0);
        int[] tailGroups = parseGroups(tail, true);
        if (headGroups == null || tailGroups == null) {
            return null;
        }
        int total = headGroups.length + tailGroups.length;
        if (doubleColon < 0 ? total != 8 : total > 7) {
            return null;
        }
        int[] groups = new int[8];
        System.arraycopy(headGroups, 0, groups, 0, headGroups.length);
        System.arraycopy(tailGroups, 0, groups, 8 - tailGroups.length, tailGroups.length);
        return groups;
    }

    /** Colon-separated hex groups; the last may be a dotted quad (two groups) when allowed. */
    private static int[] parseGroups(String text, boolean mayEndWithV4) {
        if (text.isEmpty()) {
            return new int[0];
        }
        String[] parts = text.split(":", -1);
        int[] groups = new int[parts.length + 1];
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (i == parts.length - 1 && mayEndWithV4 && part.indexOf('.') >= 0) {
                long v4 = parseV4(part);
                if (v4 < 0) {
                    return null;
                }
                groups[count++] = (int) (v4 >>> 16);
                groups[count++] = (int) (v4 & 0xffff);
                continue;
            }
            if (part.isEmpty() || part.length() > 4) {
                return null;
            }
            int group = 0;
            for (int j = 0; j < part.length(); j++) {
                int digit = Character.digit(part.charAt(j), 16);
                if (digit < 0) {
                    return null;
                }
                group = group * 16 + digit;
            }
            groups[count++] = group;
        }
        int[] result = new int[count];
        System.arraycopy(groups, 0, result, 0, count);
        return result;
    }

    private static String formatV4(long value, String suffix) {
        byte[] text = new byte[15 + suffix.length()];
        int length = Ipv4Member.appendAddress(text, 0, (int) value);
        for (int i = 0; i < suffix.length(); i++) {
            text[length++] = (byte) suffix.charAt(i);
        }
        return new String(text, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** RFC 5952: lower-case hex, the longest run of two or more zero groups shortened to "::". */
    private static String formatV6(long high, long low) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (int) (((i < 4 ? high : low) >>> (16 * (3 - i % 4))) & 0xffff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
