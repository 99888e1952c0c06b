package org.jcalico.felix.dataplane.routes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;

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
    private final ProgrammedKeys<RouteSpec> programmed = new ProgrammedKeys<>("route", ORDER, this::read);
    /**
     * Routes a batch was to delete when its answers were lost, kept until a batch goes through: one the kernel no
     * longer holds was deleted (by that batch, or with its interface), and its address's tracked connections must go as
     * for any deletion, though the read-back that follows no longer shows the route.
     */
    private Set<RouteSpec> unconfirmedDeletions = Set.of();

    public RouteDriver(CommandRunner runner) {
        this(runner, runner.rtnetlink());
    }

    /** With {@code netlink} of the runner's namespace: for tests, one whose socket is closed part way through a batch. */
    RouteDriver(CommandRunner runner, Rtnetlink netlink) {
        this.netlink = netlink;
        this.staleFlows = new StaleFlows(runner);
    }

    public void forget() {
        programmed.forget();
    }

    public Changes apply(Set<RouteSpec> desired) {
        return programmed.apply("routes", () -> write(desired));
    }

    private Changes write(Set<RouteSpec> given) {
        ProgrammedKeys.Batch<RouteSpec> batch = programmed.plan(given);
        List<RouteSpec> deletedUnconfirmed = unconfirmedDeletions.stream()
                .filter(route -> !batch.present().containsKey(route) && !batch.desired().containsKey(route)).toList();
        List<Rtnetlink.RouteChange> changes = new ArrayList<>();
        batch.deletions().forEach(route -> changes.add(new Rtnetlink.RouteChange(false, KernelRoutes.toKernel(route))));
        batch.additions().forEach(route -> changes.add(new Rtnetlink.RouteChange(true, KernelRoutes.toKernel(route))));
        Set<RouteSpec> unconfirmed = new HashSet<>(unconfirmedDeletions);
        unconfirmed.addAll(batch.deletions());
        unconfirmedDeletions = unconfirmed;
        Map<Integer, String> refused = netlink.change(HostState.ROUTE_PROTOCOL, changes);
        unconfirmedDeletions = Set.of();

        List<IpAddress> endpointsGone = new ArrayList<>();
        deletedUnconfirmed.forEach(route -> endpointAddress(route).ifPresent(endpointsGone::add));
        return Changes.of(Change.ROUTES_REMOVED, deletedUnconfirmed.size())
                .plus(programmed.settle(batch, refused, RouteDriver::isGone, Change.ROUTES_REMOVED, Change.ROUTES_ADDED,
                        RouteDriver::failure, route -> endpointAddress(route).ifPresent(endpointsGone::add)))
                .plus(staleFlows.forget(endpointsGone));
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
