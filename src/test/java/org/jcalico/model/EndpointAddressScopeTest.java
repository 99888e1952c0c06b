package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An endpoint's addresses are unicast addresses of its own (docs/policy.md, "Session 50 (t-win)"). */
class EndpointAddressScopeTest {
    @Test
    void aNetOverlappingARangeNoEndpointHoldsIsRefusedNamingTheRange() {
        Map<String, String> refused = Map.ofEntries(
                Map.entry("0.0.0.0/0", "'this network' (0.0.0.0/8)"),
                Map.entry("128.0.0.0/1", "link-local (169.254.0.0/16)"),
                Map.entry("224.0.0.251/32", "multicast (224.0.0.0/4)"),
                Map.entry("127.0.0.1/32", "the loopback (127.0.0.0/8)"),
                Map.entry("169.254.10.1/32", "link-local (169.254.0.0/16)"),
                Map.entry("255.255.255.255/32", "reserved and broadcast (240.0.0.0/4)"),
                Map.entry("::/0", "the unspecified address (::)"),
                Map.entry("8000::/1", "link-local (fe80::/10)"),
                Map.entry("ff02::1/128", "multicast (ff00::/8)"),
                Map.entry("::1/128", "the loopback (::1)"),
                Map.entry("fe80::1/128", "link-local (fe80::/10)"));
        refused.forEach((net, range) -> {
            Cidr cidr = Cidr.parse(net);
            String field = cidr.version() == 4 ? "ipv4Nets" : "ipv6Nets";
            ValidationException e = assertThrows(ValidationException.class, () -> endpoint(cidr));
            assertEquals(field + ": '" + net + "' overlaps " + range + ": an endpoint's address is a unicast address of"
                    + " its own", e.getMessage());
        });
    }

    @Test
    void unicastNetsAreTaken() {
        for (String net : List.of("10.65.0.1/32", "1.2.3.4/32", "192.168.0.0/24", "fd00::1/128", "2001:db8::/64")) {
            assertDoesNotThrow(() -> endpoint(Cidr.parse(net)), net);
        }
    }

    /** What `jcalico apply` reads: the record refused whole, with the one line that names the field. */
    @Test
    void aRecordClaimingEveryAddressIsRefusedAsItIsRead() {
        String written = ResourceCodec.toJson(endpoint(Cidr.parse("10.70.0.9/32"))).replace("10.70.0.9/32", "0.0.0.0/0");
        ValidationException e = assertThrows(ValidationException.class, () -> ResourceCodec.decodeAll(written));
        assertEquals(true, e.getMessage().contains("ipv4Nets: '0.0.0.0/0' overlaps 'this network'"), e.getMessage());
    }

    private static WorkloadEndpoint endpoint(Cidr net) {
        return new WorkloadEndpoint("h1", null, "c1", "w1", "jcw1", null, net.version() == 4 ? List.of(net) : List.of(),
                net.version() == 6 ? List.of(net) : List.of(), List.of(), null, null, Map.of(), null);
    }
}
