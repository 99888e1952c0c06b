package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An endpoint's nets overlap no reserved range ({@link ReservedNetworks}; docs/policy.md, "Session 50 (t-win)"). */
class EndpointReservedNetsTest {
    @Test
    void aNetOverlappingARangeNoEndpointHoldsIsRefusedNamingTheRange() {
        Map<String, String> refused = Map.ofEntries(
                Map.entry("0.0.0.0/0", "0.0.0.0/8 ('this network' and the unspecified address)"),
                Map.entry("128.0.0.0/1", "169.254.0.0/16 (link-local, which holds the endpoints' gateway)"),
                Map.entry("224.0.0.251/32", "224.0.0.0/4 (multicast)"),
                Map.entry("127.0.0.1/32", "127.0.0.0/8 (loopback)"),
                Map.entry("169.254.10.1/32", "169.254.0.0/16 (link-local, which holds the endpoints' gateway)"),
                Map.entry("255.255.255.255/32", "240.0.0.0/4 (reserved, with the broadcast address)"),
                Map.entry("::/0", "::/8 (reserved, with the unspecified, loopback and IPv4-mapped addresses)"),
                Map.entry("8000::/1", "fe80::/10 (link-local)"),
                Map.entry("ff02::1/128", "ff00::/8 (multicast)"),
                Map.entry("::1/128", "::/8 (reserved, with the unspecified, loopback and IPv4-mapped addresses)"),
                Map.entry("fe80::1/128", "fe80::/10 (link-local)"));
        refused.forEach((net, range) -> {
            Cidr cidr = Cidr.parse(net);
            String field = cidr.version() == 4 ? "ipv4Nets" : "ipv6Nets";
            ValidationException e = assertThrows(ValidationException.class, () -> endpoint(cidr));
            assertEquals(field + ": '" + net + "' overlaps " + range + ", which endpoints cannot use", e.getMessage());
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
        assertEquals(true, e.getMessage().contains("ipv4Nets: '0.0.0.0/0' overlaps 0.0.0.0/8"), e.getMessage());
    }

    private static WorkloadEndpoint endpoint(Cidr net) {
        return new WorkloadEndpoint("h1", null, "c1", "w1", "jcw1", null, net.version() == 4 ? List.of(net) : List.of(),
                net.version() == 6 ? List.of(net) : List.of(), List.of(), null, null, Map.of(), null);
    }
}
