package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The calculation's index by identity against a HashSet doing the same random adds and removes (removals shift runs of
 * the open-addressed table back, which a wrong shift would show as an element lost or found twice), and what the
 * selector index then costs per endpoint of the cluster (docs/agent.md, "Memory", session 39).
 */
class IdentitySetTest {
    @Test
    void holdsWhatAHashSetHoldsThroughRandomAddsAndRemoves() {
        Random random = new Random(39);
        List<Object> pool = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            pool.add(new Object());
        }
        Set<Object> set = new IdentitySet<>();
        Set<Object> model = new HashSet<>();
        for (int step = 0; step < 200_000; step++) {
            // the pool's size swings from small to large, so tables grow and runs form and are broken up
            Object element = pool.get(random.nextInt(step % 20_000 < 10_000 ? 50 : pool.size()));
            if (random.nextInt(3) == 0) {
                assertEquals(model.remove(element), set.remove(element), "remove at step " + step);
            } else {
                assertEquals(model.add(element), set.add(element), "add at step " + step);
            }
            assertEquals(model.size(), set.size());
            if (step % 1_000 == 0) {
                Set<Object> iterated = new HashSet<>();
                set.forEach(each -> assertTrue(iterated.add(each), "iterated twice"));
                assertEquals(model, iterated, "step " + step);
                pool.forEach(each -> assertEquals(model.contains(each), set.contains(each)));
            }
        }
    }

    /**
     * The selector index keeps every endpoint of the cluster in its group's items and its profile's: 20,000 endpoints
     * of 20 kinds and profiles. With HashSets (a node and a table slot each) it kept 134 bytes per endpoint in this
     * test's JVM (12-byte headers), with identity sets 71; the endpoints themselves are the test's and not counted.
     */
    @Test
    void theSelectorIndexKeepsLittleMoreThanAnItemPerEndpoint() {
        int count = 20_000;
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Cidr address = Cidr.parse("10.1." + (i >> 8 & 255) + "." + (i & 255) + "/32");
            endpoints.add(new WorkloadEndpoint("h", null, "c-" + i, "e" + i, "jc" + i, null, List.of(address), List.of(),
                    List.of("kns.ns" + i % 20), null, "ns" + i % 20, Map.of("app", "a" + i % 20), List.of()));
        }
        List<WorkloadEndpoint> cluster = List.copyOf(endpoints);
        long before = usedAfterCollection();
        SelectorSets index = new SelectorSets();
        index.calculate(cluster, List.of(), Map.of(), Map.of(), Set.of());
        long perEndpoint = (usedAfterCollection() - before) / count;
        System.out.println("the selector index keeps " + perEndpoint + " bytes per endpoint");
        assertTrue(perEndpoint < 100, perEndpoint + " bytes per endpoint");
        assertEquals(Map.of(), index.calculate(cluster, List.of(), Map.of(), Map.of(), Set.of()));
    }

    private static long usedAfterCollection() {
        long used = Long.MAX_VALUE;
        // the least of a few readings: a collection may leave some floating garbage of the test's own
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
