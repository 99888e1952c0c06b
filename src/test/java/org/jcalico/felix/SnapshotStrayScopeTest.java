package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

class SnapshotStrayScopeTest {
    /**
     * A record of another node's endpoint claiming a network, not an address (written by hand or forged into the
     * datastore), holds no address: calc leaves such a record out (AddressClaims), so it must not shield the pools'
     * addresses from the start's sweep either, else a gone local endpoint's connections would stay for its address's
     * next holder. An address such an endpoint claims alone stays its own.
     */
    @Test
    void anotherNodesEndpointHoldsItsAddressesButNoNetworkItClaims() {
        WorkloadEndpoint wide = endpoint("wide", "10.65.0.0/16");
        WorkloadEndpoint single = endpoint("single", "10.65.1.9/32");
        SnapshotStrayScope scope = new SnapshotStrayScope(Snapshot.of("n1", FelixConfiguration.DEFAULTS,
                List.of(wide, single), Map.of()), NewHolders.NONE);
        Set<IpAddress> tracked = Set.of(IpAddress.parse("10.65.0.5"), IpAddress.parse("10.65.1.9"));
        assertEquals(Set.of(IpAddress.parse("10.65.1.9")), scope.heldElsewhere(tracked));
    }

    /**
     * An address whose holder, another node's endpoint, may be new since the kernel's state was calculated (its record
     * written after the revision the node's agents applied through) is held by none: this node's connections to it were
     * accepted for its earlier holder. All of them when that revision is unknown. A node's address stays the host's.
     */
    @Test
    void anAddressOfANewHolderIsHeldByNone() {
        Snapshot snapshot = new Snapshot("n1", FelixConfiguration.DEFAULTS,
                List.of(endpoint("old", "10.65.1.5/32"), endpoint("new", "10.65.1.6/32")), Map.of(), List.of(), List.of(),
                List.of(new org.jcalico.model.Node("n2", IpAddress.parse("10.65.2.1"), null, null)), List.of(),
                org.jcalico.model.BgpConfiguration.DEFAULTS, List.of(), List.of(), List.of(), Map.of());
        Set<IpAddress> tracked = Set.of(IpAddress.parse("10.65.1.5"), IpAddress.parse("10.65.1.6"),
                IpAddress.parse("10.65.2.1"));
        assertEquals(Set.of(IpAddress.parse("10.65.1.5"), IpAddress.parse("10.65.2.1")),
                new SnapshotStrayScope(snapshot, NewHolders.of(7, 9, Set.of(IpAddress.parse("10.65.1.6"))))
                        .heldElsewhere(tracked));
        assertEquals(Set.of(IpAddress.parse("10.65.2.1")),
                new SnapshotStrayScope(snapshot, NewHolders.of(0, 9, Set.of())).heldElsewhere(tracked),
                "no revision known: every endpoint's holder may be new");
        assertEquals(Set.of(IpAddress.parse("10.65.2.1")),
                new SnapshotStrayScope(snapshot, NewHolders.of(12, 9, Set.of())).heldElsewhere(tracked),
                "a store whose revision is below the one applied is not the store it was of");
    }

    private static WorkloadEndpoint endpoint(String id, String net) {
        return new WorkloadEndpoint("n2", null, "c-" + id, id, "jc" + id, null, List.of(Cidr.parse(net)), List.of(),
                List.of("open"), null, null, null, null);
    }
}
