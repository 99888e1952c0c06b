package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleTest {
    private static Rule rule(Protocol protocol, EntityMatch source, EntityMatch destination, Integer icmpType, Integer ipVersion) {
        return new Rule(Action.ALLOW, protocol, null, source, destination, IcmpMatch.of(icmpType, null), null, ipVersion);
    }

    @Test
    void portsParseListsAndRanges() {
        assertEquals("80,443,8000:8080", Ports.parse("80,443,8000-8080").toString());
        assertThrows(ValidationException.class, () -> Ports.parse("80,"));
        assertThrows(ValidationException.class, () -> Ports.parse("70000"));
        assertThrows(ValidationException.class, () -> Ports.parse("90:80"));
        assertThrows(ValidationException.class, () -> Ports.parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"));
        assertEquals(List.of("http"), Ports.parse("http").names());
        assertEquals(List.of(80, "8000:8080", "http"), Ports.parse("80,http,8000:8080").items());
        assertThrows(ValidationException.class, () -> Ports.parse("Http"));
    }

    @Test
    void portsNeedAPortedProtocol() {
        EntityMatch port80 = new EntityMatch(null, null, Ports.parse("80"));
        assertThrows(ValidationException.class, () -> rule(null, null, port80, null, null));
        assertThrows(ValidationException.class, () -> rule(Protocol.parse("icmp"), null, port80, null, null));
        assertEquals(Set.of(4, 6), rule(Protocol.parse("tcp"), null, port80, null, null).versions());
    }

    @Test
    void versionsFollowProtocolAndNets() {
        assertEquals(Set.of(4), rule(Protocol.parse("icmp"), null, null, 8, null).versions());
        assertEquals(Set.of(6), rule(Protocol.parse("58"), null, null, null, null).versions());
        assertEquals(Set.of(6), rule(null, new EntityMatch(null, Cidr.parse("fd00::/64"), null), null, null, null).versions());
        assertThrows(ValidationException.class,
                () -> rule(Protocol.parse("icmp"), new EntityMatch(null, Cidr.parse("fd00::/64"), null), null, null, null));
        assertThrows(ValidationException.class, () -> rule(Protocol.parse("icmpv6"), null, null, null, 4));
    }

    @Test
    void icmpFieldsNeedIcmp() {
        assertThrows(ValidationException.class, () -> rule(Protocol.parse("tcp"), null, null, 8, null));
        assertThrows(ValidationException.class,
                () -> IcmpMatch.of(null, 0));
        assertThrows(ValidationException.class, () -> rule(Protocol.parse("icmp"), null, null, 256, null));
    }

    @Test
    void protocolNamesAndNumbers() {
        assertEquals("tcp", Protocol.parse("6").name());
        assertEquals("tcp", Protocol.parse("TCP").name());
        assertEquals("47", Protocol.parse("47").name());
        assertThrows(ValidationException.class, () -> Protocol.parse("256"));
        assertThrows(ValidationException.class, () -> Protocol.parse("tcpp"));
    }

    /** Issue 9, defect 4: each of these passed validation and made every iptables-restore of the host fail. */
    @Test
    void rulesIptablesRejectsAreRefusedNamingTheField() {
        assertEquals("notProtocol: 'udp' cannot be combined with protocol 'tcp' (a rule matches one protocol or excludes one)",
                assertThrows(ValidationException.class, () -> new Rule(Action.ALLOW, Protocol.parse("tcp"),
                        Protocol.parse("udp"), null, null, null, null, null)).getMessage());
        assertEquals("notProtocol: '0' would match no packet (protocol 0 means any)",
                assertThrows(ValidationException.class, () -> new Rule(Action.DENY, null, Protocol.parse("0"),
                        null, null, null, null, null)).getMessage());
        assertEquals("protocol: '\u0666' is not one of tcp, udp, icmp, icmpv6, sctp or a number 0-255",
                assertThrows(ValidationException.class, () -> Protocol.parse("\u0666")).getMessage());
        assertThrows(ValidationException.class, () -> Ports.parse("\u0668\u0660"));
    }

    @Test
    void protocolNumbersAreCanonical() {
        assertEquals("tcp", Protocol.parse("006").name());
        assertEquals("47", Protocol.parse("047").name());
        assertEquals("47", Protocol.of(47).name());
        assertThrows(ValidationException.class, () -> Protocol.of(-1));
        assertThrows(ValidationException.class, () -> new Protocol("047"));
    }
}
