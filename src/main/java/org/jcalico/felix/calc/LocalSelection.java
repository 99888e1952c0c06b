package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The snapshot's endpoints of this node, ordered by interface, kept between calculations: filtering 100,000 endpoints
 * by node on every change read every endpoint object (a millisecond, a tenth of a policy change's calc), where finding
 * the few that came and went (ListChanges) compares references only. The order is the one of {@code
 * Snapshot.localEndpoints()} sorted by interface name; two endpoints with one interface (a broken cluster, which
 * calc fails closed on) keep the snapshot's order between them, so then they are taken from the snapshot again.
 */
final class LocalSelection {
    private String node;
    private List<WorkloadEndpoint> lastAll = List.of();
    private final Set<WorkloadEndpoint> local = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The last answer, kept while no local endpoint comes or goes; null while two endpoints share an interface. */
    private List<WorkloadEndpoint> last;

    List<WorkloadEndpoint> of(Snapshot snapshot) {
        if (!snapshot.node().equals(node)) {
            node = snapshot.node();
            lastAll = List.of();
            local.clear();
            last = null;
        }
        List<WorkloadEndpoint> added = new ArrayList<>();
        List<WorkloadEndpoint> gone = new ArrayList<>();
        ListChanges.compare(lastAll, snapshot.endpoints(), added, gone);
        lastAll = snapshot.endpoints();
        boolean changed = false;
        for (WorkloadEndpoint endpoint : gone) {
            changed |= local.remove(endpoint);
        }
        for (WorkloadEndpoint endpoint : added) {
            changed |= endpoint.node().equals(node) && local.add(endpoint);
        }
        if (!changed && last != null) {
            return last;
        }
        last = null;
        List<WorkloadEndpoint> ordered = new ArrayList<>(local);
        Comparator<WorkloadEndpoint> byInterface = Comparator.comparing(WorkloadEndpoint::interfaceName);
        ordered.sort(byInterface);
        for (int i = 1; i < ordered.size(); i++) {
            if (ordered.get(i).interfaceName().equals(ordered.get(i - 1).interfaceName())) {
                return snapshot.localEndpoints().stream().sorted(byInterface).toList();
            }
        }
        last = List.copyOf(ordered);
        return last;
    }
}
