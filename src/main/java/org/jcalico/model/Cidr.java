package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigInteger;
import org.jcalico.util.Shown;

/** An IP network: an address with no host bits set and a prefix length. */
public record Cidr(IpAddress network, int prefixLength) implements Comparable<Cidr> {
    /** "/0" to "/128", made once: a net's text is made for every endpoint address calc puts into an ipset. */
    private static final String[] PREFIX_TEXT = java.util.stream.IntStream.rangeClosed(0, 128)
            .mapToObj(length -> "/" + length).toArray(String[]::new);

    public Cidr {
        if (prefixLength < 0 || prefixLength > network.bits()) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range");
        }
        if (!network.masked(prefixLength).equals(network)) {
            throw new IllegalArgumentException("host bits set in " + network + "/" + prefixLength);
        }
    }

    /** "/N", for N from 0 to 128. */
    public static String prefixText(int prefixLength) {
        return PREFIX_TEXT[prefixLength];
    }

    /** "A/N" with no host bits set. */
    @JsonCreator
    public static Cidr parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new ValidationException("'" + Shown.value(text) + "' is not a valid CIDR (expected ADDRESS/PREFIX)");
        }
        IpAddress address = IpAddress.parseOrNull(text.substring(0, slash));
        int prefix = parsePrefix(text.substring(slash + 1));
        if (address == null || prefix < 0 || prefix > address.bits()) {
            throw new ValidationException("'" + Shown.value(text) + "' is not a valid CIDR");
        }
        Cidr masked = containing(address, prefix);
        if (!masked.network().equals(address)) {
            throw new ValidationException("'" + Shown.value(text) + "' has host bits set (did you mean " + masked + "?)");
        }
        return masked;
    }

    /** A CIDR, or a bare address meaning a single host (/32 or /128). */
    public static Cidr parseHostOrNet(String text) {
        if (text != null && text.indexOf('/') < 0) {
            return host(IpAddress.parse(text));
        }
        return parse(text);
    }

    public static Cidr host(IpAddress address) {
        return new Cidr(address, address.bits());
    }

    public static Cidr containing(IpAddress address, int prefixLength) {
        return new Cidr(address.masked(prefixLength), prefixLength);
    }

    public int version() {
        return network.version();
    }

    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(network.bits() - prefixLength);
    }

    public boolean contains(IpAddress address) {
        return address.version() == version()
                && address.masked(prefixLength).equals(network);
    }

    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    public IpAddress addressAt(BigInteger offset) {
        if (offset.signum() < 0 || offset.compareTo(size()) >= 0) {
            throw new IllegalArgumentException("offset " + offset + " outside " + this);
        }
        return network.plus(offset);
    }

    public BigInteger offsetOf(IpAddress address) {
        if (!contains(address)) {
            throw new IllegalArgumentException(address + " is not in " + this);
        }
        return address.value().subtract(network.value());
    }

    /** The index-th subnet of the given (longer) prefix length inside this network. */
    public Cidr subnet(BigInteger index, int subnetPrefix) {
        BigInteger offset = index.shiftLeft(network.bits() - subnetPrefix);
        return new Cidr(addressAt(offset), subnetPrefix);
    }

    public BigInteger subnetCount(int subnetPrefix) {
        return BigInteger.ONE.shiftLeft(subnetPrefix - prefixLength);
    }

    public BigInteger subnetIndexOf(Cidr subnet) {
        return offsetOf(subnet.network).shiftRight(network.bits() - subnet.prefixLength);
    }


    /** A single address: /32 or /128. */
    public boolean isHost() {
        return prefixLength == network.bits();
    }

    @Override
    public int compareTo(Cidr other) {
        int byNetwork = network.compareTo(other.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(prefixLength, other.prefixLength);
    }

    // The generated equals and hashCode (its value too), written out: a cold agent's first pass hashes and compares a
    // net per route, and a record's generated ones are bootstrapped at their first call and then run as method-handle
    // chains, interpreted until compiled (docs/dataplane.md, "Session 61 (p-cold)").
    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr that && network.equals(that.network) && prefixLength == that.prefixLength;
    }

    @Override
    public int hashCode() {
        return 31 * network.hashCode() + prefixLength;
    }

    @JsonValue
    @Override
    public String toString() {
        return network.withSuffix(prefixText(prefixLength));
    }

    private static int parsePrefix(String text) {
        if (text.isEmpty() || text.length() > 3 || (text.length() > 1 && text.charAt(0) == '0')) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(text);
    }
}
