package org.jcalico.kernel;

import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jcalico.util.Ipv4Member;
import org.jcalico.util.Shown;

/**
 * One ipset member in the kernel's form: the attributes of one IPSET_ATTR_DATA of an IPSET_ATTR_ADT list, from the text
 * ipset itself prints for it: "10.0.0.5/32", "fd00::/64" (an address alone: the host) in a hash:net set,
 * "10.0.0.5,tcp:80" in a hash:ip,port set. This is where a member's value is checked before the kernel sees it: what
 * does not read as exactly one such member of the set's family is refused with its text.
 */
final class IpSetElement {
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_F_NET_BYTEORDER = 0x4000;
    private static final int IPSET_ATTR_DATA = 7;
    static final int IPSET_ATTR_IP = 1;
    static final int IPSET_ATTR_CIDR = 3;
    static final int IPSET_ATTR_PORT = 4;
    static final int IPSET_ATTR_PROTO = 7;
    static final int IPSET_ATTR_IPADDR_IPV4 = 1;
    static final int IPSET_ATTR_IPADDR_IPV6 = 2;
    /** The most one element takes: an IPv6 address with a port and a protocol. */
    static final int MAX_BYTES = 4 + 24 + 8 + 8;

    private IpSetElement() {
    }

    /**
     * Appends MEMBER's IPSET_ATTR_DATA to OUT (native byte order, room for {@link #MAX_BYTES}): of a hash:ip,port set
     * when PORTS, else of a hash:net set; of IPv6 when V6.
     *
     * @throws KernelException naming the member when it is not one of that set
     */
    static void encode(ByteBuffer out, String member, boolean ports, boolean v6) {
        int start = out.position();
        try {
            out.putShort((short) 0).putShort((short) (IPSET_ATTR_DATA | NLA_F_NESTED));
            int comma = ports ? member.indexOf(',') : -1;
            int slash = ports ? -1 : member.indexOf('/');
            int end = ports ? comma : slash < 0 ? member.length() : slash;
            if (end <= 0) {
                throw refused(member, v6);
            }
            address(out, member, end, v6);
            if (ports) {
                port(out, member, comma + 1, v6);
            } else {
                int bits = v6 ? 128 : 32;
                int cidr = slash < 0 ? bits : number(member, slash + 1, member.length(), bits, v6);
                cidr(out, cidr);
            }
            out.putShort(start, (short) (out.position() - start));
        } catch (KernelException e) {
            out.position(start);
            throw e;
        }
    }

    /**
     * Appends the IPSET_ATTR_DATA of the IPv4 member CODE ({@link Ipv4Member}) to OUT, as {@link #encode} does that of
     * its text: a code is valid by construction, so there is nothing to refuse.
     */
    static void encode(ByteBuffer out, long code) {
        int start = out.position();
        out.putShort((short) 0).putShort((short) (IPSET_ATTR_DATA | NLA_F_NESTED));
        out.putShort((short) (4 + 4 + 4)).putShort((short) (IPSET_ATTR_IP | NLA_F_NESTED));
        attribute(out, IPSET_ATTR_IPADDR_IPV4 | NLA_F_NET_BYTEORDER, 4).order(ByteOrder.BIG_ENDIAN)
                .putInt(Ipv4Member.address(code)).order(ByteOrder.nativeOrder());
        if (Ipv4Member.isPort(code)) {
            ports(out, Ipv4Member.port(code), Ipv4Member.protocol(code));
        } else {
            cidr(out, Ipv4Member.prefixLength(code));
        }
        out.putShort(start, (short) (out.position() - start));
    }

    private static void address(ByteBuffer out, String member, int end, boolean v6) {
        out.putShort((short) (4 + 4 + (v6 ? 16 : 4))).putShort((short) (IPSET_ATTR_IP | NLA_F_NESTED));
        if (!v6) {
            attribute(out, IPSET_ATTR_IPADDR_IPV4 | NLA_F_NET_BYTEORDER, 4);
            int octets = 0;
            for (int from = 0; octets < 4; octets++) {
                int dot = octets < 3 ? member.indexOf('.', from) : end;
                if (dot < 0 || dot > end) {
                    throw refused(member, false);
                }
                out.put((byte) number(member, from, dot, 255, false));
                from = dot + 1;
            }
            return;
        }
        String literal = member.substring(0, end);
        // a literal only: no scope, no brackets, nothing a resolver would be asked about
        if (literal.indexOf(':') < 0 || literal.indexOf('%') >= 0 || literal.indexOf('[') >= 0) {
            throw refused(member, true);
        }
        byte[] address;
        try {
            address = Inet6Address.ofLiteral(literal).getAddress();
        } catch (IllegalArgumentException e) {
            throw refused(member, true);
        }
        if (address.length != 16) {
            throw refused(member, true);
        }
        attribute(out, IPSET_ATTR_IPADDR_IPV6 | NLA_F_NET_BYTEORDER, 16).put(address);
    }

    /** "tcp:80", "udp:53", "sctp:9000", "udplite:7" after the address. */
    private static void port(ByteBuffer out, String member, int from, boolean v6) {
        int colon = member.indexOf(':', from);
        if (colon < 0) {
            throw refused(member, v6);
        }
        int protocol = Ipv4Member.protocolNumber(member, from, colon);
        if (protocol < 0) {
            throw refused(member, v6);
        }
        ports(out, number(member, colon + 1, member.length(), 65_535, v6), protocol);
    }

    private static void ports(ByteBuffer out, int port, int protocol) {
        // in network byte order, as the flag says
        attribute(out, IPSET_ATTR_PORT | NLA_F_NET_BYTEORDER, 2).put((byte) (port >> 8)).put((byte) port).putShort((short) 0);
        attribute(out, IPSET_ATTR_PROTO, 1).put((byte) protocol).put((byte) 0).putShort((short) 0);
    }

    private static void cidr(ByteBuffer out, int length) {
        attribute(out, IPSET_ATTR_CIDR, 1).put((byte) length).put((byte) 0).putShort((short) 0);
    }

    /** The decimal number in MEMBER[from, to), at most MAX, without sign, leading zeros or anything else. */
    private static int number(String member, int from, int to, int max, boolean v6) {
        if (from >= to || to - from > 5 || (member.charAt(from) == '0' && to - from > 1)) {
            throw refused(member, v6);
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = member.charAt(i);
            if (c < '0' || c > '9') {
                throw refused(member, v6);
            }
            value = value * 10 + (c - '0');
        }
        if (value > max) {
            throw refused(member, v6);
        }
        return value;
    }

    private static ByteBuffer attribute(ByteBuffer out, int type, int length) {
        return out.putShort((short) (4 + length)).putShort((short) type);
    }

    private static KernelException refused(String member, boolean v6) {
        return new KernelException("refused the ipset member '" + Shown.escaped(member) + "': not an "
                + (v6 ? "IPv6" : "IPv4") + " member of its set");
    }
}
