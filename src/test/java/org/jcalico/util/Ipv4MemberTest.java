package org.jcalico.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class Ipv4MemberTest {
    private static final List<String> MEMBERS = List.of("10.0.0.5/32", "0.0.0.0/1", "128.0.0.0/1", "255.255.255.255/32",
            "192.168.100.0/24", "10.0.0.5,tcp:80", "10.0.0.5,udp:0", "1.2.3.4,sctp:65535", "9.8.7.6,udplite:7");

    /** A member's code gives back exactly its text, and its parts. */
    @Test
    void aMembersTextIsMadeAgainFromItsCode() {
        for (String member : MEMBERS) {
            long code = Ipv4Member.parse(member);
            assertTrue(code >= 0, member);
            assertEquals(member, Ipv4Member.text(code));
            assertEquals(member.length(), Ipv4Member.textLength(code), member);
        }
        long port = Ipv4Member.parse("10.0.0.5,tcp:8080");
        assertEquals(port, Ipv4Member.addressAndPort(0x0a000005, "tcp", 8080));
        assertEquals(6, Ipv4Member.protocol(port));
        assertEquals(8080, Ipv4Member.port(port));
        assertEquals(0x0a000005, Ipv4Member.address(port));
        assertEquals(Ipv4Member.parse("192.168.100.0/24"), Ipv4Member.net(0xc0a86400, 24));
        assertTrue(Ipv4Member.isNetwork(Ipv4Member.parse("192.168.100.0/24")));
        assertFalse(Ipv4Member.isNetwork(Ipv4Member.parse("10.0.0.5/32")));
        assertFalse(Ipv4Member.isNetwork(port));
        assertEquals("255.255.255.255", Ipv4Member.addressText(-1));
    }

    /** Only the text a code makes reads as one: else -1, and the member stays text. */
    @Test
    void otherTextIsNoCode() {
        for (String other : List.of("10.0.0.5", "10.0.0.05/32", "10.0.0.5/033", "10.0.0.5/33", "10.0.0/32",
                "10.0.0.5.1/32", "256.0.0.1/32", "fd00::1/128", "10.0.0.5,icmp:0", "10.0.0.5,tcp:65536",
                "10.0.0.5,tcp:080", "10.0.0.5,tcp", "10.0.0.5/", "/32", "", "10.0.0.5/32 ", "+1.0.0.0/8")) {
            assertEquals(-1, Ipv4Member.parse(other), other);
        }
        assertEquals(-1, Ipv4Member.addressAndPort(1, "icmp", 0));
    }
}
