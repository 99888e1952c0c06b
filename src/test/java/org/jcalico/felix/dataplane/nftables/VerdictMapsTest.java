package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.Chain;
import org.junit.jupiter.api.Test;

class VerdictMapsTest {
    private static final String FROM = "iifname . ip saddr vmap { \"jca1\" . 10.0.0.1 : goto jc-fw-jca1, \"jca2\" . 10.0.0.2 : goto jc-fw-jca2 }";

    @Test
    void aDispatchRuleRefersToANamedMapHoldingItsElements() {
        VerdictMaps.Split split = VerdictMaps.split(new Chain("jc-from-wl-dispatch", List.of("ip saddr 10.1.0.0/16 drop", FROM,
                "oifname vmap { \"jca1\" : goto jc-tw-jca1 }", "drop")));
        assertEquals(List.of("ip saddr 10.1.0.0/16 drop", "iifname . ip saddr vmap @jc-from-wl-dispatch-iifname-ip-saddr",
                "oifname vmap @jc-from-wl-dispatch-oifname", "drop"), split.rules());
        assertEquals(new VerdictMaps.VerdictMap("jc-from-wl-dispatch-iifname-ip-saddr", "ifname . ipv4_addr",
                Map.of("\"jca1\" . 10.0.0.1", "goto jc-fw-jca1", "\"jca2\" . 10.0.0.2", "goto jc-fw-jca2")),
                split.maps().get("jc-from-wl-dispatch-iifname-ip-saddr"));
        assertEquals("ifname", split.maps().get("jc-from-wl-dispatch-oifname").type());
    }

    @Test
    void anEndpointMoreOrLessChangesOnlyTheElements() {
        VerdictMaps.Split two = VerdictMaps.split(new Chain("jc-from-wl-dispatch", List.of(FROM, "drop")));
        VerdictMaps.Split one = VerdictMaps.split(new Chain("jc-from-wl-dispatch", List.of(FROM.replace(
                ", \"jca2\" . 10.0.0.2 : goto jc-fw-jca2", ""), "drop")));
        assertTrue(two.sameButElements(one));
        VerdictMaps.Split none = VerdictMaps.split(new Chain("jc-from-wl-dispatch", List.of("drop")));
        assertFalse(two.sameButElements(none), "the map's rule gone is a rule rewritten");
    }

    @Test
    void aRuleOfAnotherShapeStaysAsItIs() {
        List<String> rules = List.of("meta mark vmap { 0x1 : accept }", "iifname vmap { \"a\" : accept }",
                "ip saddr . meta l4proto vmap { 10.0.0.1 . tcp : goto jc-x }",
                "iifname . ip saddr vmap { \"a\" . 10.0.0.1 : goto jc-a, \"b\" . 10.0.0.0/8 : goto jc-b }",
                "iifname . ip saddr vmap { \"a\" : goto jc-a }", "oifname vmap { \"a\" . 10.0.0.1 : goto jc-a }",
                "oifname vmap { \"a\" : goto jc-a, \"b c\" : goto jc-b }", "oifname vmap { \"a\" : goto jc-a x }",
                "oifname vmap {  }", " oifname vmap { \"a\" : goto jc-a }");
        VerdictMaps.Split split = VerdictMaps.split(new Chain("jc-x", rules));
        assertEquals(rules, split.rules());
        assertTrue(split.maps().isEmpty());
    }
}
