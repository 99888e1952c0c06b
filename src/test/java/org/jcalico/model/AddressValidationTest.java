package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 9, defects 5 and 12: addresses and pools that no host, endpoint or BGP speaker can use are refused. */
class AddressValidationTest {
    @Test
    void poolsOverReservedRangesAreRefused() {
        for (String cidr : List.of("169.254.0.0/16", "169.254.1.0/24", "169.0.0.0/8", "127.0.0.0/8", "0.0.0.0/8",
                "0.0.0.0/0", "224.0.0.0/4", "239.1.0.0/16", "240.0.0.0/4", "255.255.255.0/24", "::/0", "::/64",
                "::1/128", "::ffff:0:0/96", "fe80::/10", "fe80::/64", "ff00::/8", "ff02::/16")) {
            String message = assertThrows(ValidationException.class,
                    () -> new IpPool(Cidr.parse(cidr), false, cidr.contains(":") ? 128 : 32, false), cidr).getMessage();
            assertTrue(message.startsWith("cidr: '" + cidr + "' overlaps "), message);
        }
        assertEquals("cidr: '169.254.0.0/16' overlaps 169.254.0.0/16 (link-local, which holds the endpoints' gateway),"
                + " which endpoints cannot use", assertThrows(ValidationException.class,
                () -> new IpPool(Cidr.parse("169.254.0.0/16"), false, null, false)).getMessage());
        new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false);
        new IpPool(Cidr.parse("fd65::/64"), false, null, false);
        new IpPool(Cidr.parse("2001:db8::/64"), false, null, false);
    }

    @Test
    void peersAndNodesOnUnusableAddressesAreRefused() {
        for (String address : List.of("fe80::1", "0.0.0.0", "::", "::1", "127.0.0.1", "224.0.0.5", "ff02::2",
                "255.255.255.255", "169.254.1.1", "::ffff:10.0.0.1", "240.0.0.1")) {
            IpAddress ip = IpAddress.parse(address);
            String message = assertThrows(ValidationException.class, () -> new BgpPeer(ip, 65000, null)).getMessage();
            assertTrue(message.startsWith("peerIp: '" + ip + "' is in "), message);
            String field = ip.version() == 4 ? "ipv4" : "ipv6";
            message = assertThrows(ValidationException.class, () -> new Node("h1", ip.version() == 4 ? ip : null,
                    ip.version() == 6 ? ip : null, null)).getMessage();
            assertTrue(message.startsWith(field + ": '" + ip + "' is in "), message);
        }
        assertEquals("peerIp: 'fe80::1' is in fe80::/10 (link-local), which cannot be a BGP or node address",
                assertThrows(ValidationException.class, () -> new BgpPeer(IpAddress.parse("fe80::1"), 65000, null)).getMessage());
        new BgpPeer(IpAddress.parse("172.30.0.100"), 65000, null);
        new BgpPeer(IpAddress.parse("fd30::100"), 65000, null);
    }

    @Test
    void freeTextRefusesControlCharacters() {
        for (String bad : List.of("c1\nip link del eth0", "c1\r", "c1\u0000", "c1\u202e", "c1\u2028", "c1\t")) {
            String message = assertThrows(ValidationException.class, () -> new WorkloadEndpoint("h1", null, bad, "ep1",
                    "jc0123", null, null, null, null, null, null, null, null)).getMessage();
            assertTrue(message.startsWith("containerId: ") && !message.contains("\n") && !message.contains("\r"), message);
        }
        assertThrows(ValidationException.class, () -> new Profile("p", null,
                java.util.Map.of("team", "a\nb"), null, null));
        assertThrows(ValidationException.class, () -> new WorkloadEndpoint("h1", "docker\n", "c1", "ep1",
                "jc0123", null, null, null, null, null, null, null, null));
        for (String name : List.of("-jc0", ".", "..", "jc0\n", "jc 0", "a234567890123456")) {
            assertThrows(ValidationException.class, () -> new WorkloadEndpoint("h1", null, "c1", "ep1", name, null,
                    null, null, null, null, null, null, null), name);
        }
        assertThrows(ValidationException.class, () -> new IpamBlock(Cidr.parse("10.65.0.0/26"), null, java.util.Map.of(1, "e\n1")));
        assertEquals("tags: 'a\\nb' is not a valid name (letters, digits, '_', '.', '-'; up to 63 characters; starts with a letter or digit)",
                assertThrows(ValidationException.class, () -> new Profile("p", List.of("a\nb"), null, null, null)).getMessage());
    }
}
