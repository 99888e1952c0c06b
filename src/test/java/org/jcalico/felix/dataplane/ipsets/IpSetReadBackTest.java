package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec.Type;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.util.Ipv4Member;
import org.junit.jupiter.api.Test;

/**
 * A kernel member is looked up by its code in a set of codes ({@link IpSetReadBack#isMember}) exactly where it is
 * found by its text in the same set held as text: every kind of element the netlink listing hands over, of both
 * families.
 */
class IpSetReadBackTest {
    private static final Set<String> NETS = Set.of("10.0.0.5/32", "10.1.0.0/16", "0.0.0.0/1", "128.0.0.0/1");
    private static final Set<String> PORTS = Set.of("10.0.0.5,tcp:80", "10.0.0.6,udp:53", "10.0.0.7,sctp:9000",
            "10.0.0.8,udplite:7", "10.0.0.9,tcp:0", "10.0.0.9,tcp:65535");

    /** One element as the listing gives it: address bytes, prefix length or -1, protocol and port or null and -1. */
    private record Element(byte[] address, int cidr, String protocol, int port) {
    }

    @Test
    void aMemberOfASetOfCodesIsFoundWhereItsTextIsFound() {
        List<Element> nets = List.of(
                v4(10, 0, 0, 5, 32), v4(10, 1, 0, 0, 16), v4(0, 0, 0, 0, 1), v4(128, 0, 0, 0, 1),
                v4(10, 0, 0, 5, 31), v4(10, 1, 0, 0, 24), v4(10, 0, 0, 6, 32), v4(10, 0, 0, 5, -1), v4(10, 0, 0, 5, 0),
                v4(10, 0, 0, 5, 33), new Element(new byte[] {10, 0, 0, 5}, 32, "tcp", 80),
                new Element(new byte[0], -1, null, -1), v6(32));
        List<Element> ports = List.of(
                port("tcp", 80, 5), port("udp", 53, 6), port("sctp", 9000, 7), port("udplite", 7, 8), port("tcp", 0, 9),
                port("tcp", 65535, 9), port("udp", 80, 5), port("tcp", 81, 5), port("icmp", 8, 5), port("tcp", 80, 6),
                new Element(new byte[] {10, 0, 0, 5}, -1, null, -1), new Element(new byte[0], -1, null, -1),
                new Element(v6(128).address(), -1, "tcp", 80));
        assertFoundAlike(Type.NET, NETS, nets, 4);
        assertFoundAlike(Type.IP_PORT, PORTS, ports, 6);
    }

    /** An IPv6 element is looked up by its text in either form of set (an IPv6 set is text). */
    @Test
    void anIpv6MemberIsFoundByItsText() {
        Set<String> v6 = MemberSet.of(Set.of("fd00::/32", "fd00::5/128"));
        assertEquals(true, IpSetReadBack.isMember(v6, Type.NET, v6(32).address(), 32, null, -1));
        assertEquals(false, IpSetReadBack.isMember(v6, Type.NET, v6(32).address(), 48, null, -1));
        assertEquals(false, IpSetReadBack.isMember(MemberSet.ofCodes(codes(NETS)), Type.NET, v6(32).address(), 32,
                null, -1));
    }

    /** Each element is found in the set of codes just where it is in the set of text; FOUND of them are found. */
    private static void assertFoundAlike(Type type, Set<String> members, List<Element> elements, int found) {
        MemberSet coded = MemberSet.ofCodes(codes(members));
        MemberSet text = MemberSet.of(members);
        int count = 0;
        for (Element element : elements) {
            boolean byCode = IpSetReadBack.isMember(coded, type, element.address(), element.cidr(), element.protocol(),
                    element.port());
            boolean byText = IpSetReadBack.isMember(text, type, element.address(), element.cidr(), element.protocol(),
                    element.port());
            assertEquals(byText, byCode, element.protocol() + " " + element.port() + " /" + element.cidr());
            count += byCode ? 1 : 0;
        }
        assertEquals(found, count);
    }

    private static long[] codes(Set<String> members) {
        return members.stream().mapToLong(Ipv4Member::parse).toArray();
    }

    private static Element v4(int a, int b, int c, int d, int cidr) {
        return new Element(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}, cidr, null, -1);
    }

    private static Element port(String protocol, int port, int last) {
        return new Element(new byte[] {10, 0, 0, (byte) last}, -1, protocol, port);
    }

    private static Element v6(int cidr) {
        byte[] address = new byte[16];
        address[0] = (byte) 0xfd;
        return new Element(address, cidr, null, -1);
    }
}
