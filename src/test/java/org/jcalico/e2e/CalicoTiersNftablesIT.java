package org.jcalico.e2e;

import org.junit.jupiter.api.extension.ExtendWith;

/** {@link CalicoTiersIT}'s cases, with the same expectations, on the nftables dataplane. */
@ExtendWith(NftablesDataplane.class)
class CalicoTiersNftablesIT extends CalicoTiersIT {
}
