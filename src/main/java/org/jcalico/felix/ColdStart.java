package org.jcalico.felix;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;

/**
 * The guard a cold start writes while the desired state is calculated (docs/dataplane.md, "The cold start's order"):
 * calc's state for the snapshot's configuration with no endpoint, policy or pool, whose hooks send every packet of an
 * interface with the prefix into dispatch chains that drop it.
 */
public final class ColdStart {
    private ColdStart() {
    }

    public static HostState guard(Snapshot snapshot) {
        return new HostStateCalculator().calculate(Snapshot.of(snapshot.node(), snapshot.config(), List.of(), Map.of()));
    }
}
