package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The text of /proc/net/nf_conntrack read for the addresses of each connection's original direction, as the kernel writes it. */
class ConntrackTextTest {
    /** Three lines as Linux 6.18 wrote them for connections `conntrack -I` made (an IPv6 one in zone 7). */
    private static final String TEXT = """
            ipv4     2 udp      17 299 src=10.0.0.5 dst=10.0.0.1 sport=1000 dport=2000 [UNREPLIED] src=10.0.0.1 dst=10.0.0.5 sport=2000 dport=1000 mark=0 zone=0 use=2
            ipv6     10 icmpv6   58 29 src=fd00:0000:0000:0000:0000:0000:0000:0005 dst=fd00:0000:0000:0000:0000:0000:0000:0001 type=128 code=0 id=5 [UNREPLIED] src=fd00:0000:0000:0000:0000:0000:0000:0001 dst=fd00:0000:0000:0000:0000:0000:0000:0005 type=129 code=0 id=5 mark=0 zone=0 use=2
            ipv4     2 tcp      6 117 ESTABLISHED src=10.0.0.3 dst=10.0.0.11 sport=1000 dport=2000 src=10.0.0.77 dst=10.0.0.3 sport=2000 dport=1000 [ASSURED] mark=0 zone=7 use=2
            """;

    @Test
    void writesAnAddressAsTheKernelDoes() throws Exception {
        assertEquals("10.0.0.5", ConntrackText.form(InetAddress.getByName("10.0.0.5")));
        assertEquals("fd00:0000:0000:0000:0000:0000:0abc:0005", ConntrackText.form(InetAddress.getByName("fd00::abc:5")));
        assertEquals("0000:0000:0000:0000:0000:ffff:0a00:0001", ConntrackText.form(Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, 0, 1}, -1)), "an IPv4-mapped IPv6 address is no IPv4 one");
    }

    @Test
    void findsTheAddressesOfEachConnectionsOriginalDirection() {
        assertEquals(Set.of("10.0.0.5", "10.0.0.1", "fd00:0000:0000:0000:0000:0000:0000:0001", "10.0.0.3", "10.0.0.11"),
                ConntrackText.shown(TEXT, Set.of("10.0.0.5", "10.0.0.1", "fd00:0000:0000:0000:0000:0000:0000:0001",
                        "10.0.0.3", "10.0.0.11", "10.0.0.9")));
    }

    @Test
    void readsAnAddressWholeAndNotTheReplysTuple() {
        assertEquals(Set.of(), ConntrackText.shown(TEXT, Set.of("10.0.0.7", "10.0.0.77", "10.0.0.", "10.0.0.1 ",
                "fd00:0000:0000:0000:0000:0000:0000:000")),
                "a prefix of an address, the reply's own (a NAT's) and a form with its space are not shown");
        assertEquals(Set.of("10.0.0.1"), ConntrackText.shown("ipv4 2 udp 17 29 src=10.0.0.5 dst=10.0.0.1",
                Set.of("10.0.0.1")), "a last line without its end");
        assertEquals(Set.of(), ConntrackText.shown("", Set.of("10.0.0.1")));
    }
}
