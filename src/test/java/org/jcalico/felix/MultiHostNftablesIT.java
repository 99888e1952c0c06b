package org.jcalico.felix;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MultiHostIT}'s cases, with the same expectations, on the nftables dataplane: policy across hosts over BGP,
 * NAT outgoing, a borrowed address, a host joining with no configuration (it starts on nftables, the cluster's
 * driver) and a route reflector.
 */
class MultiHostNftablesIT extends MultiHostIT {
    @BeforeAll
    @Override
    void up() {
        upOn("jctn", "nftables");
    }
}
