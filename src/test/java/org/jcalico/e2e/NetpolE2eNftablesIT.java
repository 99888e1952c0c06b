package org.jcalico.e2e;

import org.junit.jupiter.api.extension.ExtendWith;

/** {@link NetpolE2eIT}'s cases, with the same expectations, on the nftables dataplane. */
@ExtendWith(NftablesDataplane.class)
class NetpolE2eNftablesIT extends NetpolE2eIT {
}
