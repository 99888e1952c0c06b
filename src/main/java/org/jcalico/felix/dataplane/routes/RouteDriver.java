package org.jcalico.felix.dataplane.routes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.util.Futures;
import org.jcalico.util.PersistentSortedMap;

/**
 * Keeps the routes tagged with jcalico's protocol number as desired, IPv4 and IPv6 in one rtnetlink batch per apply
 * ({@link Rtnetlink}: in-process, no ip(8) per change). When a batch's answers are lost (its socket failed), which
 * routes it wrote is unknown: the driver reads the kernel back and writes what still differs, once, on a fresh socket;
 * a route that batch was to delete and the kernel no longer holds counts as deleted (its address's connections go too).
 * Routes of other protocols are never deleted or replaced: a desired route whose destination someone else holds
 * fails ("File exists") and is reported. A refused route (e.g. its interface does not exist yet) is reported under
 * its interface name, or its destination, and tried again by the next apply.
 */
public final class RouteDriver {
    private static final Comparator<RouteSpec> ORDER = Comparator.comparing(RouteSpec::destination)
            .thenComparing(route -> route.type().name())
            .thenComparing(route -> route.interfaceName() == null ? "" : route.interfaceName());
    private final Rtnetlink netlink;
    private final StaleFlows staleFlows;
    /** What the kernel holds, as of the last batch; null when unknown (read back before the next). */
    private PersistentSortedMap<RouteSpec, Object> programmed;
    /**
     * Routes a batch was to delete when its answers were lost, kept until a batch goes through: one the kernel no
     * longer holds was deleted (by that batch, or with its interface), and its address's tracked connections must go as
     * for any deletion, though the read-back that follows no longer shows the route.
     */
    private Set<RouteSpec> unconfirmedDeletions = Set.of();
    /**
     * The routes the last batch was given, whether or not the kernel took them; null before the first. A route the
     * kernel lost with its interface (a container's namespace gone before its endpoint's record) and a resync then
     * read back as absent is no deletion of this driver's, yet when calc drops it its address's connections must go.
     */
    private PersistentSortedMap<RouteSpec, Object> lastDesired;
    /** Whether the connections of the local blocks' addresses no endpoint held at this driver's start are forgotten. */
    private boolean straysForgotten;
    /** The tracked connections' addresses, read beside the first calculation ({@link #readTrackedAddresses}); or null. */
    private CompletableFuture<Set<IpAddress>> trackedAtStart;
    private volatile Runnable forgetting;
    /**
     * The addresses that left another node's endpoint ({@link HostState#departed}) whose connections have not yet been
     * forgotten: kept from the change that told them until a forgetting went through, as a change that failed before it
     * hands them to no later one.
     */
    private final Set<IpAddress> departed = new TreeSet<>();
    /** Where {@link #lent} finds the blocks of an address: a node's blocks have one or two sizes, not every prefix's. */
    private final BlockLengths blockLengths = new BlockLengths();

    public RouteDriver(CommandRunner runner) {
        this(runner, runner.rtnetlink());
    }

    /** With {@code netlink} of the runner's namespace: for tests, one whose socket is closed part way through a batch. */
    RouteDriver(CommandRunner runner, Rtnetlink netlink) {
        this.netlink = netlink;
        this.staleFlows = new StaleFlows(runner);
    }

    public void forget() {
        programmed = null;
    }

    /**
     * Whether some tracked connections this driver was to forget may still be there: the first change's sweep has not
     * gone through, or an address that {@link HostState#departed} has not had its forgetting go through.
     */
    public boolean owesForgetting() {
        return !straysForgotten || !departed.isEmpty();
    }

    /**
     * Forgets the tracked connections of each local endpoint address that DESIRED routes to another interface than the
     * kernel does (an endpoint removed while its address goes to a new one at once): before the change writes anything
     * that lets the new endpoint's packets through, its links or its rules, which the old endpoint's established
     * connections would otherwise carry until {@link #apply} forgets them after the routes' batch, on the links' thread
     * beside the rules' (docs/dataplane.md, "A change and the states the kernel passes through"). When the kernel's
     * routes are not known (a resync), the move is told against the routes the last batch was given. So is an address
     * of another node's block given to a local endpoint ({@link #lent}), and one that DEPARTED another node's endpoint
     * in this change and that a local endpoint's route comes to, whose connections {@link #apply} forgets again once the
     * change's rules are in; it forgets those of every address DEPARTED there. The driver's first change forgets more:
     * the connections of the addresses no endpoint kept ({@link #forgetStrayFlows}), a lent one's included.
     */
    public Changes forgetMovedFlows(Set<RouteSpec> desired, Set<IpAddress> departures) {
        departed.addAll(departures);
        Changes strays = straysForgotten ? Changes.NONE : forgetStrayFlows(desired);
        PersistentSortedMap<RouteSpec, Object> before = programmed != null ? programmed : lastDesired;
        if (before == null) {
            return strays;
        }
        List<RouteSpec> additions = new ArrayList<>();
        List<RouteSpec> deletions = new ArrayList<>();
        PersistentSortedMap<RouteSpec, Object> wanted = PersistentSortedMap.byHashOf(desired);
        PersistentSortedMap.keyChanges(before, wanted, additions, deletions);
        Set<IpAddress> added = new HashSet<>();
        additions.forEach(route -> endpointAddress(route).ifPresent(added::add));
        Set<IpAddress> forgotten = new TreeSet<>(lent(additions, wanted));
        deletions.stream().map(RouteDriver::endpointAddress).flatMap(Optional::stream).filter(added::contains)
                .forEach(forgotten::add);
        departures.stream().filter(added::contains).forEach(forgotten::add);
        return forgotten.isEmpty() ? strays : strays.plus(staleFlows.forget(List.copyOf(forgotten)));
    }

    /**
     * Of ADDITIONS, the local endpoints' addresses outside this node's blocks (DESIRED's unreachable and blackhole
     * routes): lent by another node's block when this node's were full (docs/ipam.md). Such an address has no route
     * here that drops what is sent to it while it is free, so a local endpoint's packets to it went out by that block's
     * route, to its holder there, and the kernel kept their connections, which outlive that holder (its node forgets
     * its own entries, not this one's): the address's new local holder would get them as established, past its policy.
     * A local block's free address drops what is sent to it before the kernel confirms a connection: nothing to forget
     * at its add, the usual one. Each prefix of an address looked up, no route walked: an add costs what it adds.
     */
    private List<IpAddress> lent(List<RouteSpec> additions, PersistentSortedMap<RouteSpec, Object> desired) {
        List<IpAddress> lent = new ArrayList<>();
        for (RouteSpec route : additions) {
            endpointAddress(route).filter(address -> !blockLengths.inBlock(address, desired)).ifPresent(lent::add);
        }
        return lent;
    }

    /**
     * The first change's part of {@link #forgetMovedFlows}: this driver knows nothing of what came and went before it (an
     * agent started, with endpoints removed, and their addresses perhaps given again, while none ran), so it forgets the
     * connections of every address a local endpoint could have held (its {@link StrayScope}: the agent's pools, less the
     * addresses of other nodes' endpoints and of the nodes; without one, the local blocks, DESIRED's unreachable and
     * blackhole routes) but those whose route to an interface the kernel already holds as desired: an endpoint that
     * stayed keeps its connections; a gone one's, and those an address's new holder would inherit, go. The kernel's
     * routes read here are the apply's after it. Tried again at the next change until it went through.
     */
    private Changes forgetStrayFlows(Set<RouteSpec> desired) {
        PersistentSortedMap<RouteSpec, Object> present;
        try {
            present = programmed != null ? programmed : PersistentSortedMap.byHashOf(read());
        } catch (KernelException e) {
            return Changes.failure("routes", e.getMessage());
        }
        programmed = present;
        Set<Cidr> blocks = new HashSet<>();
        Set<IpAddress> held = new HashSet<>();
        for (RouteSpec route : desired) {
            if (route.type() != RouteSpec.Type.INTERFACE) {
                blocks.add(route.destination());
            } else if (present.containsKey(route)) {
                endpointAddress(route).ifPresent(held::add);
            }
        }
        CompletableFuture<Set<IpAddress>> read = trackedAtStart;
        trackedAtStart = null;
        if (read == null && blocks.isEmpty()) {
            straysForgotten = true;
            return Changes.NONE;
        }
        Set<IpAddress> tracked;
        try {
            tracked = read != null ? Futures.joined(read) : staleFlows.tracked(StrayScope.within(blocks));
        } catch (KernelException e) {
            return Changes.failure("conntrack",
                    "cannot read the tracked connections to forget those of addresses no endpoint holds: " + e.getMessage());
        }
        List<IpAddress> strays = tracked.stream().filter(address -> !held.contains(address)).sorted().toList();
        Changes changes = staleFlows.forget(strays);
        straysForgotten = changes.failures().isEmpty();
        return changes;
    }

    /**
     * Starts reading the tracked connections' addresses SCOPE covers for the first change's forgetting
     * ({@link #forgetStrayFlows}), beside the first pass's calculation (one dump of the table: 7-88 ms at load 9 warm,
     * 82 ms the first in a process, on the critical path of a cold start otherwise). Read before the calculation is
     * done, the list is still whole: until the first change writes, no packet of a stray address makes a connection the
     * kernel keeps (a gone endpoint's interface is gone, a new holder's has no dispatch yet, and the block's
     * unreachable route drops what is sent to it), so none can be missing from it; but for an address of another
     * node's block, which a local endpoint's packets reach by that block's route: one lent to a local endpoint in the
     * first change has its connections forgotten again once that change's rules are in ({@link #apply}). Nothing
     * without a SCOPE (the first change reads the table itself). Given one again (the agent's first pass after a pass
     * that failed, whose departures may be lost), the next change sweeps again: the kernel then holds rules, so a
     * connection made after this read to an address it did not find is not swept (docs/dataplane.md, "Session 65
     * (t-restart)").
     */
    public void readTrackedAddresses(StrayScope scope) {
        if (scope != null) {
            straysForgotten = false;
            trackedAtStart = CompletableFuture.supplyAsync(() -> staleFlows.tracked(scope), Thread::startVirtualThread);
        }
    }

    /**
     * For tests: PROBE (or null) runs after a batch that deleted a local endpoint's route (or added a lent address's),
     * before its flows go.
     */
    public void probeBeforeForgettingFlows(Runnable probe) {
        this.forgetting = probe;
    }

    public Changes apply(Set<RouteSpec> desired) {
        return apply(desired, () -> { });
    }

    /**
     * As {@link #apply(Set)}, with RULES_IN run before a gone endpoint's connections are forgotten: it returns once the
     * rules of the same change are in, which no longer let a removed endpoint's packets through. A removed endpoint's
     * link can outlive its record (a CNI DEL or `container remove` deletes the veth beside the agent's apply), and a
     * connection it opened between the forgetting and its rules' removal would be the next holder's of its address.
     * So, after RULES_IN, are the connections of an address lent to a local endpoint whose route this batch added
     * ({@link #lent}): {@link #forgetMovedFlows} forgot those made before the change, and one a local endpoint made
     * while the change was written (judged against a remote address) would carry its packets past the new holder's
     * policy; once its rules are in, a new connection to it is judged by them. At the driver's first batch too: its
     * sweep ({@link #forgetStrayFlows}) forgot what the start's dump found, not a connection made since; a cold pass's
     * thousand lent adds (a node without blocks) cost one dump of the table for them all ({@link StaleFlows}, at most
     * one a forgetting). So, after RULES_IN, are
     * those of every address that departed another node's endpoint ({@link HostState#departed}): once the change's
     * sets and rules are in, no local endpoint's policy allows a new connection to it for the old holder's sake, and
     * none made before is left to carry packets to its next holder. All of a batch's addresses go in one forgetting:
     * at most one dump of the table.
     */
    public Changes apply(Set<RouteSpec> desired, Runnable rulesIn) {
        try {
            return write(desired, rulesIn);
        } catch (Rtnetlink.Interrupted e) {
            programmed = null;
            try {
                return write(desired, rulesIn);
            } catch (Rtnetlink.Interrupted again) {
                return Changes.failure("routes", again.getMessage());
            }
        }
    }

    private Changes write(Set<RouteSpec> given, Runnable rulesIn) {
        // calc hands out its routes as a persistent map's keys, versions of one another: kept as what was written, the
        // next version's difference from it is found at the cost of what changed, not by a walk of every route
        // (docs/dataplane.md, "One endpoint added to 1,000, session 37")
        PersistentSortedMap<RouteSpec, Object> desired = PersistentSortedMap.byHashOf(given);
        try {
            PersistentSortedMap<RouteSpec, Object> present = programmed != null ? programmed
                    : PersistentSortedMap.byHashOf(read());
            List<RouteSpec> deletions = new ArrayList<>();
            List<RouteSpec> additions = new ArrayList<>();
            PersistentSortedMap.keyChanges(present, desired, additions, deletions);
            deletions.sort(ORDER);
            additions.sort(ORDER);
            List<RouteSpec> deletedUnconfirmed = unconfirmedDeletions.stream()
                    .filter(route -> !present.containsKey(route) && !desired.containsKey(route)).toList();
            List<Rtnetlink.RouteChange> batch = new ArrayList<>();
            deletions.forEach(route -> batch.add(new Rtnetlink.RouteChange(false, KernelRoutes.toKernel(route))));
            additions.forEach(route -> batch.add(new Rtnetlink.RouteChange(true, KernelRoutes.toKernel(route))));
            programmed = null;
            Set<RouteSpec> unconfirmed = new HashSet<>(unconfirmedDeletions);
            unconfirmed.addAll(deletions);
            unconfirmedDeletions = unconfirmed;
            Map<Integer, String> refused = netlink.change(HostState.ROUTE_PROTOCOL, batch);
            unconfirmedDeletions = Set.of();

            Changes.Tally changes = new Changes.Tally().add(Change.ROUTES_REMOVED, deletedUnconfirmed.size());
            List<IpAddress> endpointsGone = new ArrayList<>();
            deletedUnconfirmed.forEach(route -> endpointAddress(route).ifPresent(endpointsGone::add));
            lostWithInterface(present, desired).forEach(route -> endpointAddress(route).ifPresent(endpointsGone::add));
            lastDesired = desired;
            // what the kernel holds now: the desired routes, but a deletion it refused and an addition it refused
            PersistentSortedMap<RouteSpec, Object> written = desired;
            for (int i = 0; i < deletions.size(); i++) {
                String error = refused.get(i);
                if (error == null || isGone(error)) {
                    endpointAddress(deletions.get(i)).ifPresent(endpointsGone::add);
                    changes.add(Change.ROUTES_REMOVED, error == null ? 1 : 0);
                } else {
                    written = written.with(deletions.get(i), Boolean.TRUE);
                    changes.add(failure(deletions.get(i), "cannot delete route: " + error));
                }
            }
            List<RouteSpec> added = new ArrayList<>();
            for (int i = 0; i < additions.size(); i++) {
                String error = refused.get(deletions.size() + i);
                if (error == null) {
                    added.add(additions.get(i));
                    changes.add(Change.ROUTES_ADDED, 1);
                } else {
                    written = written.without(additions.get(i));
                    changes.add(failure(additions.get(i), "cannot add route: " + error));
                }
            }
            programmed = written;
            Set<IpAddress> stale = new TreeSet<>(endpointsGone);
            stale.addAll(lent(added, desired));
            List<IpAddress> departing = List.copyOf(departed);
            stale.addAll(departing);
            if (!stale.isEmpty()) {
                rulesIn.run();
                Runnable probe = forgetting;
                if (probe != null) {
                    probe.run();
                }
            }
            Changes forgotten = staleFlows.forget(List.copyOf(stale));
            if (forgotten.failures().isEmpty()) {
                departing.forEach(departed::remove);
            }
            return changes.add(forgotten).changes();
        } catch (Rtnetlink.Interrupted e) {
            throw e;
        } catch (KernelException | IllegalArgumentException e) {
            return Changes.failure("routes", e.getMessage());
        }
    }

    /** The routes the last batch was given and this one is not, which the kernel no longer held: nothing deletes them. */
    private List<RouteSpec> lostWithInterface(PersistentSortedMap<RouteSpec, Object> present,
                                              PersistentSortedMap<RouteSpec, Object> desired) {
        if (lastDesired == null) {
            return List.of();
        }
        List<RouteSpec> dropped = new ArrayList<>();
        PersistentSortedMap.keyChanges(lastDesired, desired, new ArrayList<>(), dropped);
        return dropped.stream().filter(route -> !present.containsKey(route)).toList();
    }

    public Set<RouteSpec> read() {
        Set<RouteSpec> routes = new HashSet<>();
        netlink.routes(HostState.ROUTE_PROTOCOL).forEach(route -> KernelRoutes.fromKernel(route).ifPresent(routes::add));
        return routes;
    }

    /** A local endpoint's address: the destination of a route to an interface, when it is a single address. */
    private static Optional<IpAddress> endpointAddress(RouteSpec route) {
        Cidr destination = route.destination();
        boolean single = destination.prefixLength() == destination.network().bits();
        return route.type() == RouteSpec.Type.INTERFACE && single ? Optional.of(destination.network()) : Optional.empty();
    }

    /** A route vanishes with its interface, so deleting it can find it, or its device, already gone. */
    private static boolean isGone(String error) {
        return error.contains("No such process") || error.contains("Cannot find device");
    }

    private static Changes failure(RouteSpec route, String reason) {
        String object = route.interfaceName() != null ? route.interfaceName() : route.destination().toString();
        return Changes.failure(object, route.destination() + ": " + reason);
    }
}
