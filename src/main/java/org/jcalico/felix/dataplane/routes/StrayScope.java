package org.jcalico.felix.dataplane.routes;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;

/**
 * Whose tracked connections a route driver's first change may forget ({@link RouteDriver#forgetMovedFlows}): the
 * addresses a local endpoint could have held, less those another holder has now. An agent's scope is its snapshot's
 * (the pools: an address borrowed from another node's block was a local endpoint's as much as one of the node's own
 * blocks; less the addresses of other nodes' endpoints and of the nodes, whose connections are theirs); without one, the
 * desired state's local blocks ({@link #within}), as before session 63.
 */
public interface StrayScope {
    /** Whether a local endpoint could have held ADDRESS; asked of each address of the table as the dump is read. */
    boolean covers(IpAddress address);

    /** Of ADDRESSES, all {@link #covers covered}, those another node's endpoint or a node holds now. */
    Set<IpAddress> heldElsewhere(Set<IpAddress> addresses);

    /** The addresses of RANGES, none held elsewhere as far as this scope knows. */
    static StrayScope within(Collection<Cidr> ranges) {
        Set<Cidr> held = Set.copyOf(ranges);
        // each range looked up by its prefix length, not scanned: a node of many blocks, a table of many addresses
        Set<Integer> prefixes = new TreeSet<>();
        ranges.forEach(range -> prefixes.add(range.prefixLength()));
        return new StrayScope() {
            @Override
            public boolean covers(IpAddress address) {
                for (int prefix : prefixes) {
                    if (prefix <= address.bits() && held.contains(Cidr.containing(address, prefix))) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public Set<IpAddress> heldElsewhere(Set<IpAddress> addresses) {
                return new HashSet<>();
            }
        };
    }
}
