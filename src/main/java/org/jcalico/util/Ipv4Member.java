package org.jcalico.util;

import java.nio.charset.StandardCharsets;

/**
 * An IPv4 ipset member as one long (its "code"), from calc to the kernel: a network "A.B.C.D/N" of a hash:net set, or
 * an address, protocol and port "A.B.C.D,tcp:80" of a hash:ip,port set. A selector set of a 100,000-endpoint cluster
 * made each member as text and the ipset driver parsed it back (twice: for its bucket order and its bytes), most of
 * the first programming's work on its sets (session 66, p-polfirst); a code is made once from an endpoint's address
 * and read by shifts. Its text, what {@code ipset save} prints, is made only where text is wanted.
 *
 * <p>Bits 0-31 the address (its numeric value, first octet highest); a network's prefix length in bits 32-39; an
 * address and port's port in bits 32-47, protocol number in bits 48-55 and bit 62 set. Every code is non-negative.
 */
public final class Ipv4Member {
    private static final long PORT_FLAG = 1L << 62;
    /** The protocols a port belongs to, as ipset names them, and their numbers. */
    private static final String[] PROTOCOLS = {"tcp", "udp", "sctp", "udplite"};
    private static final int[] PROTOCOL_NUMBERS = {6, 17, 132, 136};

    private Ipv4Member() {
    }

    /** The network ADDRESS/PREFIX_LENGTH (0-32; host bits as given). */
    public static long net(int address, int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range");
        }
        return (long) prefixLength << 32 | Integer.toUnsignedLong(address);
    }

    /** ADDRESS with PROTOCOL (named as ipset names it: tcp, udp, sctp, udplite) and PORT; -1 for another protocol. */
    public static long addressAndPort(int address, String protocol, int port) {
        int number = protocolNumber(protocol, 0, protocol.length());
        if (number < 0 || port < 0 || port > 65_535) {
            return -1;
        }
        return PORT_FLAG | (long) number << 48 | (long) port << 32 | Integer.toUnsignedLong(address);
    }

    public static boolean isPort(long code) {
        return (code & PORT_FLAG) != 0;
    }

    public static int address(long code) {
        return (int) code;
    }

    /** A network's prefix length. */
    public static int prefixLength(long code) {
        return (int) (code >>> 32) & 0xff;
    }

    /** An address and port's protocol number. */
    public static int protocol(long code) {
        return (int) (code >>> 48) & 0xff;
    }

    public static int port(long code) {
        return (int) (code >>> 32) & 0xffff;
    }

    /** Whether CODE is a network wider than one address (not a /32; an address and port is none). */
    public static boolean isNetwork(long code) {
        return !isPort(code) && prefixLength(code) < 32;
    }

    /** Its text: "10.0.0.5/32", "10.0.0.5,tcp:80". */
    public static String text(long code) {
        byte[] text = new byte[15 + 1 + 7 + 1 + 5];
        int length = appendAddress(text, 0, address(code));
        if (isPort(code)) {
            text[length++] = ',';
            String protocol = protocolName(protocol(code));
            for (int i = 0; i < protocol.length(); i++) {
                text[length++] = (byte) protocol.charAt(i);
            }
            text[length++] = ':';
            length = appendDecimal(text, length, port(code));
        } else {
            text[length++] = '/';
            length = appendDecimal(text, length, prefixLength(code));
        }
        return new String(text, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** The length of its {@link #text}, without making it. */
    public static int textLength(long code) {
        int address = address(code);
        int length = 3;
        for (int shift = 24; shift >= 0; shift -= 8) {
            length += digits((address >>> shift) & 0xff);
        }
        return length + 1 + (isPort(code) ? protocolName(protocol(code)).length() + 1 + digits(port(code))
                : digits(prefixLength(code)));
    }

    private static int digits(int value) {
        return value >= 10_000 ? 5 : value >= 1_000 ? 4 : value >= 100 ? 3 : value >= 10 ? 2 : 1;
    }

    /**
     * The code of MEMBER, or -1 unless it is exactly the text {@link #text} makes of one (an IPv6 member, a bare
     * address or a leading zero is not).
     */
    public static long parse(String member) {
        int end = member.indexOf(',');
        boolean port = end >= 0;
        if (!port) {
            end = member.indexOf('/');
        }
        if (end < 0) {
            return -1;
        }
        long address = 0;
        int from = 0;
        for (int octets = 0; octets < 4; octets++) {
            int dot = octets < 3 ? member.indexOf('.', from) : end;
            if (dot < 0 || dot > end) {
                return -1;
            }
            int octet = decimal(member, from, dot, 255);
            if (octet < 0) {
                return -1;
            }
            address = address << 8 | octet;
            from = dot + 1;
        }
        if (!port) {
            int length = decimal(member, end + 1, member.length(), 32);
            return length < 0 ? -1 : net((int) address, length);
        }
        int colon = member.indexOf(':', end + 1);
        int protocol = colon < 0 ? -1 : protocolNumber(member, end + 1, colon);
        int number = protocol < 0 ? -1 : decimal(member, colon + 1, member.length(), 65_535);
        return number < 0 ? -1 : PORT_FLAG | (long) protocol << 48 | (long) number << 32 | address;
    }

    /** The name ipset gives the protocol NUMBER in a member ("tcp"), or null for one a member of jcalico's never has. */
    public static String protocolName(int number) {
        for (int i = 0; i < PROTOCOL_NUMBERS.length; i++) {
            if (PROTOCOL_NUMBERS[i] == number) {
                return PROTOCOLS[i];
            }
        }
        return null;
    }

    /** The number of the protocol named in TEXT[from, to) (compared in place), or -1. */
    public static int protocolNumber(String text, int from, int to) {
        for (int i = 0; i < PROTOCOLS.length; i++) {
            if (to - from == PROTOCOLS[i].length() && text.startsWith(PROTOCOLS[i], from)) {
                return PROTOCOL_NUMBERS[i];
            }
        }
        return -1;
    }

    /** ADDRESS as a dotted quad: "10.0.0.5". */
    public static String addressText(int address) {
        byte[] text = new byte[15];
        return new String(text, 0, appendAddress(text, 0, address), StandardCharsets.ISO_8859_1);
    }

    /** Writes ADDRESS as a dotted quad into TEXT from AT; returns where it ends. */
    public static int appendAddress(byte[] text, int at, int address) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            at = appendDecimal(text, at, (address >>> shift) & 0xff);
            if (shift > 0) {
                text[at++] = '.';
            }
        }
        return at;
    }

    private static int appendDecimal(byte[] text, int at, int value) {
        if (value >= 10_000) {
            text[at++] = (byte) ('0' + value / 10_000);
        }
        if (value >= 1_000) {
            text[at++] = (byte) ('0' + value / 1_000 % 10);
        }
        if (value >= 100) {
            text[at++] = (byte) ('0' + value / 100 % 10);
        }
        if (value >= 10) {
            text[at++] = (byte) ('0' + value / 10 % 10);
        }
        text[at++] = (byte) ('0' + value % 10);
        return at;
    }

    /** The decimal number in TEXT[from, to), at most MAX (below 100,000), without sign or leading zeros; -1 otherwise. */
    public static int decimal(String text, int from, int to, int max) {
        if (from >= to || to - from > 5 || (text.charAt(from) == '0' && to - from > 1)) {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= max ? value : -1;
    }
}
