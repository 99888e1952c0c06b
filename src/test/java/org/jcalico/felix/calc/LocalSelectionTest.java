package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The kept selection of local endpoints equals the snapshot's, sorted by interface, and those it says came and went
 * are those that did (by object), after every step of a random
 * sequence: endpoints added, replaced in place (as the cache does for a change), removed with the last one moved into
 * the gap or from the middle, local and remote, and now and then two local endpoints with one interface.
 */
class LocalSelectionTest {
    private final Random random = new Random(20261201L);
    private int next;

    @Test
    void keptSelectionEqualsTheSnapshotsAfterEveryChange() {
        LocalSelection selection = new LocalSelection();
        Set<WorkloadEndpoint> before = identities(List.of());
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int step = 0; step < 400; step++) {
            switch (random.nextInt(5)) {
                case 0, 1 -> endpoints.add(endpoint());
                case 2 -> {
                    if (!endpoints.isEmpty()) {
                        endpoints.set(random.nextInt(endpoints.size()), endpoint());
                    }
                }
                case 3 -> {
                    if (!endpoints.isEmpty()) {
                        int gap = random.nextInt(endpoints.size());
                        WorkloadEndpoint last = endpoints.removeLast();
                        if (gap < endpoints.size()) {
                            endpoints.set(gap, last);
                        }
                    }
                }
                default -> {
                    if (!endpoints.isEmpty()) {
                        endpoints.remove(random.nextInt(endpoints.size()));
                    }
                }
            }
            Snapshot snapshot = Snapshot.of("local", FelixConfiguration.DEFAULTS, endpoints, Map.of());
            List<WorkloadEndpoint> expected = snapshot.localEndpoints().stream()
                    .sorted(Comparator.comparing(WorkloadEndpoint::interfaceName)).toList();
            LocalSelection.Selection selected = selection.of(snapshot);
            List<WorkloadEndpoint> actual = selected.ordered();
            Set<WorkloadEndpoint> now = identities(snapshot.localEndpoints());
            Set<WorkloadEndpoint> came = identities(now);
            came.removeAll(before);
            Set<WorkloadEndpoint> gone = identities(before);
            gone.removeAll(now);
            assertEquals(came, identities(selected.came()), "step " + step);
            assertEquals(gone, identities(selected.gone()), "step " + step);
            before = now;
            assertEquals(expected.size(), actual.size(), "step " + step);
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i).endpointId(), actual.get(i).endpointId(), "step " + step + " at " + i);
            }
        }
    }

    private static Set<WorkloadEndpoint> identities(java.util.Collection<WorkloadEndpoint> endpoints) {
        Set<WorkloadEndpoint> set = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        set.addAll(endpoints);
        return set;
    }

    private WorkloadEndpoint endpoint() {
        int index = next++;
        // one interface in twenty is another's (a broken cluster): then the snapshot's order decides between them
        int iface = random.nextInt(20) == 0 && index > 0 ? random.nextInt(index) : index;
        return new WorkloadEndpoint(random.nextBoolean() ? "local" : "remote", "k8s", "c" + index, "e" + index,
                "cali" + Integer.toHexString(0x10000 + iface), null, List.of(), List.of(), List.of(), null, "default",
                Map.of(), List.of());
    }
}
