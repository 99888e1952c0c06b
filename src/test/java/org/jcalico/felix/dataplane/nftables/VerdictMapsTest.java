package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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

    /**
     * A dispatch chain split from the one before it (as the planner does for an endpoint more or less) holds the same
     * maps as one split from scratch, and its changes are exactly the elements to delete and add: random steps adding,
     * removing and re-pointing elements anywhere in the rule, with interface names that begin alike ("jc1", "jc10").
     */
    @Test
    void aChainSplitFromTheOneBeforeHoldsWhatASplitFromScratchHolds() {
        Random random = new Random(36);
        Map<String, String> elements = new LinkedHashMap<>();
        Chain before = null;
        VerdictMaps.Split beforeSplit = null;
        for (int step = 0; step < 400; step++) {
            List<String> keys = new ArrayList<>(elements.keySet());
            int what = random.nextInt(4);
            if (elements.size() < 2 || what == 0) {
                int n = random.nextInt(40);
                String key = "\"jc" + n + "\" . 10.0." + (n / 10) + "." + (n % 10 + 1);
                elements.putIfAbsent(key, "goto jc-fw-jc" + n);
            } else if (what == 1) {
                elements.remove(keys.get(random.nextInt(keys.size())));
            } else if (what == 2) {
                elements.put(keys.get(random.nextInt(keys.size())), "goto jc-fw-other" + random.nextInt(3));
            } else {
                List<String> order = new ArrayList<>(keys);
                java.util.Collections.shuffle(order, random);
                Map<String, String> shuffled = new LinkedHashMap<>();
                order.forEach(key -> shuffled.put(key, elements.get(key)));
                elements.clear();
                elements.putAll(shuffled);
            }
            List<String> text = new ArrayList<>();
            elements.forEach((key, verdict) -> text.add(key + " : " + verdict));
            Chain chain = new Chain("jc-from-wl-dispatch", List.of("ip saddr 10.1.0.0/16 drop",
                    "iifname . ip saddr vmap { " + String.join(", ", text) + " }", "drop"));
            VerdictMaps.Split scratch = VerdictMaps.split(chain);
            VerdictMaps.Split split = before == null ? scratch : VerdictMaps.split(chain, before, beforeSplit);
            assertEquals(scratch.rules(), split.rules(), "step " + step);
            assertEquals(scratch.maps(), split.maps(), "step " + step);
            if (before != null && !chain.equals(before)) {
                VerdictMaps.VerdictMap was = beforeSplit.maps().get("jc-from-wl-dispatch-iifname-ip-saddr");
                VerdictMaps.ElementChanges changes = split.changes().get(was.name());
                assertTrue(changes != null && changes.from() == was, "step " + step + ": made from the map before");
                Set<String> deleted = new HashSet<>();
                was.elements().forEach((key, verdict) -> {
                    if (!verdict.equals(elements.get(key))) {
                        deleted.add(key);
                    }
                });
                Set<String> added = new HashSet<>();
                elements.forEach((key, verdict) -> {
                    if (!verdict.equals(was.elements().get(key))) {
                        added.add(key + " : " + verdict);
                    }
                });
                // a reordering reads the elements that moved as deleted and added again: no fewer than the difference
                assertTrue(new HashSet<>(changes.deleted()).containsAll(deleted), "step " + step);
                assertTrue(new HashSet<>(changes.added()).containsAll(added), "step " + step);
                if (what != 3) {
                    assertEquals(deleted, new HashSet<>(changes.deleted()), "step " + step + ": only what differs");
                    assertEquals(added, new HashSet<>(changes.added()), "step " + step + ": only what differs");
                }
            }
            before = chain;
            beforeSplit = split;
        }
    }
}
