package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
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
        for (String[] masked : new String[][] {{"255.255.255.255", "0", "0.0.0.0/0"}, {"255.255.255.255", "1", "128.0.0.0/1"},
                {"255.255.255.255", "31", "255.255.255.254/31"}, {"255.255.255.255", "32", "255.255.255.255/32"},
                {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0", "::/0"}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1", "8000::/1"},
                {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "63", "ffff:ffff:ffff:fffe::/63"},
                {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "64", "ffff:ffff:ffff:ffff::/64"},
                {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "65", "ffff:ffff:ffff:ffff:8000::/65"},
                {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "127", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"},
                {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"}}) {
            Cidr net = Cidr.containing(IpAddress.parse(masked[0]), Integer.parseInt(masked[1]));
            assertEquals(masked[2], net.toString());
            assertEquals(net, Cidr.parse(masked[2]));
            org.junit.jupiter.api.Assertions.assertTrue(net.contains(IpAddress.parse(masked[0])), masked[2]);
        }
        assertThrows(IllegalArgumentException.class, () -> new Cidr(IpAddress.parse("10.0.0.1"), 31));
        assertThrows(IllegalArgumentException.class, () -> new Cidr(IpAddress.parse("::1"), 127));
        org.junit.jupiter.api.Assertions.assertFalse(Cidr.parse("10.0.0.0/8").contains(IpAddress.parse("11.0.0.0")));
    }

    /**
     * The text of IPv4 addresses, nets and addresses with a suffix (calc's ipset members), against the JDK's own
     * printing of the same four bytes, for random addresses and every prefix length, and every octet value.
     */
    @org.junit.jupiter.api.Test
    void printsEveryIpv4AddressAsTheJdkDoes() throws Exception {
        java.util.Random random = new java.util.Random(20261202L);
        for (int i = 0; i < 20_000; i++) {
            long value = i < 256 ? i * 0x01010101L : random.nextInt() & 0xffffffffL;
            byte[] bytes = java.nio.ByteBuffer.allocate(4).putInt((int) value).array();
            String jdk = java.net.InetAddress.getByAddress(bytes).getHostAddress();
            IpAddress address = new IpAddress(4, java.math.BigInteger.valueOf(value));
            assertEquals(jdk, address.toString());
            assertEquals(jdk + ",tcp:8080", address.withSuffix(",tcp:8080"));
            assertEquals(jdk + "/\u00e9", address.withSuffix("/\u00e9"));
            int length = random.nextInt(33);
            Cidr net = Cidr.containing(address, length);
            byte[] masked = java.nio.ByteBuffer.allocate(4)
                    .putInt(length == 0 ? 0 : (int) (value & (0xffffffffL << (32 - length)))).array();
            assertEquals(java.net.InetAddress.getByAddress(masked).getHostAddress() + "/" + length, net.toString());
        }
        assertEquals("fd00::1/128", Cidr.parse("fd00::1/128").toString());
        assertEquals("fd00::1,udp:53", IpAddress.parse("fd00::1").withSuffix(",udp:53"));
    }

    /**
     * An IPv4 address read in place accepts exactly four decimal octets of 0-255 without leading zeros (what the
     * split into parts accepted): random strings of digits and dots against that rule as an expression.
     */
    @Test
    void anIpv4AddressIsFourOctetsWithoutLeadingZeros() {
        String octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
        Pattern rule = Pattern.compile(octet + "(\\." + octet + "){3}");
        Random random = new Random(4);
        int accepted = 0;
        for (int run = 0; run < 200_000; run++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(18) + 1; i > 0; i--) {
                text.append(random.nextInt(4) == 0 ? '.' : random.nextInt(20) == 0 ? 'x' : (char) ('0' + random.nextInt(random.nextBoolean() ? 3 : 10)));
            }
            IpAddress address = IpAddress.parseOrNull(text.toString());
            boolean expected = rule.matcher(text).matches();
            assertEquals(expected, address != null, text.toString());
            if (expected) {
                assertEquals(text.toString(), address.toString());
                accepted++;
            }
        }
        assertEquals(true, accepted > 200, "accepted only " + accepted);
    }
}
