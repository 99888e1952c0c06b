package org.jcalico.felix;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.felix.calc.ListChanges;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;

/**
 * This node's endpoints as the last pass programmed them, kept from one pass to the next with what the loop looks up
 * in them: by id, by interface, the isolated ones, and the route that carries each address (its block's, or its own
 * host route where borrowed: {@link BirdConfig#carrying}). Each pass changes them by what came and went
 * ({@link ListChanges}, a walk of references), so that the report, the failures, BIRD's routes and the wait for them
 * cost what changed, not a walk of every local endpoint, which grew with each add and kept C2 recompiling the loops as
 * they lengthened (docs/agent.md, "Session 54 (p-pass)"). A change of this node's blocks (a new block every 64 adds)
 * works out every endpoint's routes again. Two records with one id or one interface (a hostile datastore) are both
 * kept. The loop's own.
 */
final class LocalEndpoints {
    private List<WorkloadEndpoint> all = List.of();
    private List<Cidr> blocks = List.of();
    private List<WorkloadEndpoint> came = List.of();
    private List<WorkloadEndpoint> gone = List.of();
    /** Counts the updates, for a reader that must know whether it saw every one's changes (StatusReporter). */
    private long version;
    private final Map<String, List<WorkloadEndpoint>> byId = new HashMap<>();
    private final Map<String, List<WorkloadEndpoint>> byInterface = new HashMap<>();
    private final Set<WorkloadEndpoint> isolated = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<WorkloadEndpoint, List<Cidr>> carrying = new IdentityHashMap<>();
    private final NavigableMap<Cidr, Set<WorkloadEndpoint>> byRoute = new TreeMap<>();

    /** This pass's local endpoints and this node's blocks. */
    void update(List<WorkloadEndpoint> now, List<Cidr> nowBlocks) {
        List<WorkloadEndpoint> added = new ArrayList<>();
        List<WorkloadEndpoint> removed = new ArrayList<>();
        ListChanges.compare(all, now, added, removed);
        removed.forEach(this::forget);
        if (!nowBlocks.equals(blocks)) {
            blocks = List.copyOf(nowBlocks);
            carrying.clear();
            byRoute.clear();
            // the endpoints that stay, then those that came: each once
            Set<WorkloadEndpoint> arriving = Collections.newSetFromMap(new IdentityHashMap<>());
            arriving.addAll(added);
            now.stream().filter(endpoint -> !arriving.contains(endpoint)).forEach(this::carry);
        }
        added.forEach(this::remember);
        all = now;
        came = List.copyOf(added);
        gone = List.copyOf(removed);
        version++;
    }

    private void remember(WorkloadEndpoint endpoint) {
        byId.computeIfAbsent(endpoint.endpointId(), id -> new ArrayList<>(1)).add(endpoint);
        byInterface.computeIfAbsent(endpoint.interfaceName(), name -> new ArrayList<>(1)).add(endpoint);
        if (endpoint.isolation().isPresent()) {
            isolated.add(endpoint);
        }
        carry(endpoint);
    }

    private void carry(WorkloadEndpoint endpoint) {
        List<Cidr> routes = endpoint.nets().stream().map(net -> BirdConfig.carrying(blocks, net)).distinct().toList();
        carrying.put(endpoint, routes);
        routes.forEach(route -> byRoute.computeIfAbsent(route,
                key -> Collections.newSetFromMap(new IdentityHashMap<>())).add(endpoint));
    }

    private void forget(WorkloadEndpoint endpoint) {
        drop(byId, endpoint.endpointId(), endpoint);
        drop(byInterface, endpoint.interfaceName(), endpoint);
        isolated.remove(endpoint);
        for (Cidr route : carrying.remove(endpoint)) {
            Set<WorkloadEndpoint> carried = byRoute.get(route);
            carried.remove(endpoint);
            if (carried.isEmpty()) {
                byRoute.remove(route);
            }
        }
    }

    private static void drop(Map<String, List<WorkloadEndpoint>> index, String key, WorkloadEndpoint endpoint) {
        List<WorkloadEndpoint> held = index.get(key);
        held.removeIf(each -> each == endpoint);
        if (held.isEmpty()) {
            index.remove(key);
        }
    }

    /** Every local endpoint, in the snapshot's order: a walk of them all, for what concerns them all. */
    List<WorkloadEndpoint> all() {
        return all;
    }

    int size() {
        return all.size();
    }

    long version() {
        return version;
    }

    /** Those that came at the last update (a changed record comes as a new object: it came and its old one went). */
    List<WorkloadEndpoint> came() {
        return came;
    }

    List<WorkloadEndpoint> gone() {
        return gone;
    }

    /**
     * The interfaces whose link may have been made again since the last update: a record that went and one that came
     * name it, created at other times (an add killed and undone by the next, which deletes the veth and makes it again
     * under the same name, or a remove and an add of the container, seen by one pass). The kernel took the old link's
     * routes with it and the new one is down and unconfigured, while the desired state is the same as before: the
     * drivers must look at the kernel again. A changed record (relabelled) keeps its creation time: not one of these.
     */
    Set<String> relinked() {
        if (came.isEmpty() || gone.isEmpty()) {
            return Set.of();
        }
        Map<String, Long> created = new HashMap<>();
        gone.forEach(endpoint -> created.put(endpoint.interfaceName(), endpoint.createdAtMillis()));
        Set<String> relinked = new java.util.TreeSet<>();
        for (WorkloadEndpoint endpoint : came) {
            if (created.containsKey(endpoint.interfaceName())
                    && !java.util.Objects.equals(created.get(endpoint.interfaceName()), endpoint.createdAtMillis())) {
                relinked.add(endpoint.interfaceName());
            }
        }
        return relinked;
    }

    Set<String> ids() {
        return Collections.unmodifiableSet(byId.keySet());
    }

    boolean has(String endpointId) {
        return byId.containsKey(endpointId);
    }

    List<WorkloadEndpoint> withId(String endpointId) {
        return byId.getOrDefault(endpointId, List.of());
    }

    List<WorkloadEndpoint> onInterface(String name) {
        return byInterface.getOrDefault(name, List.of());
    }

    Collection<WorkloadEndpoint> isolated() {
        return Collections.unmodifiableSet(isolated);
    }

    /** The routes that carry the endpoint's addresses, in the order of its addresses, each once. */
    List<Cidr> carrying(WorkloadEndpoint endpoint) {
        return carrying.get(endpoint);
    }

    /** Every route that carries a local endpoint's address, in order. */
    Set<Cidr> routes() {
        return Collections.unmodifiableSet(byRoute.keySet());
    }

    /** The endpoints whose addresses the route carries (none when it carries none). */
    Set<WorkloadEndpoint> carriedBy(Cidr route) {
        Set<WorkloadEndpoint> carried = byRoute.get(route);
        return carried == null ? Set.of() : Collections.unmodifiableSet(carried);
    }
}
