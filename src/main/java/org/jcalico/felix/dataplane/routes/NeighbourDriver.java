package org.jcalico.felix.dataplane.routes;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.NeighbourSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.model.IpAddress;

/**
 * Keeps the permanent neighbour entries tagged with jcalico's protocol number as desired, IPv4 (ARP) and IPv6 (NDP) in
 * one rtnetlink batch per apply, as {@link RouteDriver} keeps the routes: what it wrote is remembered, a resync reads
 * the kernel back (an entry deleted by hand is written again, one no endpoint wants any more is deleted, also one left
 * by an agent killed before it could delete it), and a batch whose answers were lost is read back and written again
 * once. Entries without the protocol number (the kernel's own, learnt by ARP, or an admin's) are never deleted; the
 * kernel's own for an endpoint's address is replaced. An entry goes with its interface, so an endpoint's removal
 * may find it gone, which is no failure. A refused entry (its interface does not exist yet) is reported under its
 * interface name and tried again by the next apply.
 */
public final class NeighbourDriver {
    private static final Comparator<NeighbourSpec> ORDER = Comparator.comparing(NeighbourSpec::interfaceName)
            .thenComparing(NeighbourSpec::address).thenComparing(NeighbourSpec::mac);
    private final Rtnetlink netlink;
    private final ProgrammedKeys<NeighbourSpec> programmed = new ProgrammedKeys<>("neighbour entry", ORDER, this::read);

    public NeighbourDriver(CommandRunner runner) {
        this(runner.rtnetlink());
    }

    /** With {@code netlink} of the runner's namespace: for tests, one whose socket is closed part way through a batch. */
    NeighbourDriver(Rtnetlink netlink) {
        this.netlink = netlink;
    }

    public void forget() {
        programmed.forget();
    }

    public Changes apply(Set<NeighbourSpec> desired) {
        return programmed.apply("neighbours", () -> write(desired));
    }

    private Changes write(Set<NeighbourSpec> given) {
        ProgrammedKeys.Batch<NeighbourSpec> batch = programmed.plan(given);
        List<Rtnetlink.NeighbourChange> changes = new ArrayList<>();
        batch.deletions().forEach(entry -> changes.add(new Rtnetlink.NeighbourChange(false, toKernel(entry))));
        batch.additions().forEach(entry -> changes.add(new Rtnetlink.NeighbourChange(true, toKernel(entry))));
        Map<Integer, String> refused = netlink.changeNeighbours(HostState.ROUTE_PROTOCOL, changes);
        return programmed.settle(batch, refused, NeighbourDriver::isGone, Change.NEIGHBOURS_REMOVED, Change.NEIGHBOURS_ADDED,
                NeighbourDriver::failure, entry -> { });
    }

    public Set<NeighbourSpec> read() {
        Set<NeighbourSpec> entries = new HashSet<>();
        for (Rtnetlink.Neighbour entry : netlink.neighbours(HostState.ROUTE_PROTOCOL)) {
            byte[] bytes = entry.address().getAddress();
            entries.add(new NeighbourSpec(new IpAddress(bytes.length == 4 ? 4 : 6, new java.math.BigInteger(1, bytes)),
                    entry.device(), entry.mac()));
        }
        return entries;
    }

    private static Rtnetlink.Neighbour toKernel(NeighbourSpec entry) {
        // a literal: no name is looked up
        return new Rtnetlink.Neighbour(InetAddress.ofLiteral(entry.address().toString()), entry.interfaceName(), entry.mac());
    }

    /** An entry goes with its interface, so deleting it can find it, or its device, already gone. */
    private static boolean isGone(String error) {
        return error.contains("No such file or directory") || error.contains("Cannot find device");
    }

    private static Changes failure(NeighbourSpec entry, String reason) {
        return Changes.failure(entry.interfaceName(), entry.address() + " at " + entry.mac() + ": " + reason);
    }
}
