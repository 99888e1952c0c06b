package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {
    @ParameterizedTest
    @CsvSource({
            "10.0.0.1, 10.0.0.1",
            "0.0.0.0, 0.0.0.0",
            "255.255.255.255, 255.255.255.255",
            "fd00::1, fd00::1",
            "FD00:0:0:0:0:0:0:1, fd00::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:0db8:0000:0000:0000:0000:0002:0001, 2001:db8::2:1",
            "::, ::",
            "::1, ::1",
            "1::, 1::",
            "1:0:1:0:1:0:1:0, 1:0:1:0:1:0:1:0",
            "::ffff:10.1.2.3, ::ffff:a01:203",
    })
    void parsesAndPrintsCanonically(String input, String canonical) {
        assertEquals(canonical, IpAddress.parse(input).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1.", "a.b.c.d", "localhost", "1:2:3:4:5:6:7:8:9",
            "1::2::3", "12345::", ":1", "1:", "", " 10.0.0.1", "10.0.0.-1"})
    void rejectsMalformed(String input) {
        assertNull(IpAddress.parseOrNull(input));
        assertThrows(ValidationException.class, () -> IpAddress.parse(input));
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/8, 10.1.2.3, true", "10.0.0.0/8, 11.0.0.0, false", "fd00::/64, fd00::5, true",
            "fd00::/64, fd01::5, false", "10.0.0.0/8, ::1, false"})
    void cidrContains(String cidr, String address, boolean expected) {
        assertEquals(expected, Cidr.parse(cidr).contains(IpAddress.parse(address)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1/24", "10.0.0.0/33", "10.0.0.0", "10.0.0/24", "10.0.0.0/", "10.0.0.0/024", "fd00::1/64"})
    void rejectsBadCidrs(String input) {
        assertThrows(ValidationException.class, () -> Cidr.parse(input));
    }

    @org.junit.jupiter.api.Test
    void hostBitsErrorSuggestsTheNetwork() {
        var e = assertThrows(ValidationException.class, () -> Cidr.parse("10.0.0.1/24"));
        assertEquals("'10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)", e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void subnetsAndOffsets() {
        Cidr pool = Cidr.parse("10.0.0.0/16");
        assertEquals("10.0.1.64/26", pool.subnet(java.math.BigInteger.valueOf(5), 26).toString());
        assertEquals(java.math.BigInteger.valueOf(5), pool.subnetIndexOf(Cidr.parse("10.0.1.64/26")));
        assertEquals("fd00::40/122", Cidr.parse("fd00::/64").subnet(java.math.BigInteger.ONE, 122).toString());
    }

    /** Addresses with the top bit of either half set: the halves are unsigned, in value, order and arithmetic. */
    @org.junit.jupiter.api.Test
    void highAddressesKeepTheirValueAndOrder() {
        java.math.BigInteger top = java.math.BigInteger.ONE.shiftLeft(128).subtract(java.math.BigInteger.ONE);
        IpAddress last = IpAddress.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assertEquals(top, last.value());
        assertEquals(last, new IpAddress(6, top));
        assertEquals(last.hashCode(), new IpAddress(6, top).hashCode());
        assertEquals("8000::", IpAddress.parse("7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").plus(java.math.BigInteger.ONE)
                .toString());
        assertEquals("::8000:0:0:0", IpAddress.parse("::7fff:ffff:ffff:ffff").plus(java.math.BigInteger.ONE).toString());
        assertEquals(-1, IpAddress.parse("::7fff:ffff:ffff:ffff").compareTo(IpAddress.parse("::8000:0:0:0")));
        assertEquals(-1, IpAddress.parse("7fff::").compareTo(IpAddress.parse("8000::")));
        assertEquals(-1, IpAddress.parse("255.255.255.255").compareTo(IpAddress.parse("::")));
        assertEquals(java.math.BigInteger.valueOf(0xffffffffL), IpAddress.parse("255.255.255.255").value());
        assertEquals("255.255.255.255", new IpAddress(4, java.math.BigInteger.valueOf(0xffffffffL)).toString());
        assertEquals("fd00::/8", Cidr.containing(IpAddress.parse("fdff::1"), 8).toString());
    }
}
