package org.jcalico.felix;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.Plumbing;

/**
 * What a cold start writes while the desired state is calculated (docs/dataplane.md, "The cold start's order"): the
 * guard, calc's state for the snapshot's configuration with no endpoint at all (its hooks send every packet of an
 * interface with the prefix into dispatch chains that drop it), and the local endpoints' interfaces and routes, which
 * only that guard makes safe to set up before their rules exist.
 */
public final class ColdStart {
    private ColdStart() {
    }

    /** Calc's state for the snapshot's configuration and no endpoint, policy or pool. */
    public static HostState guard(Snapshot snapshot) {
        return new HostStateCalculator().calculate(Snapshot.of(snapshot.node(), snapshot.config(), List.of(), Map.of()));
    }

    /**
     * The snapshot's interfaces and routes if the guard's hooks match every local interface (each starts with the
     * interface prefix); otherwise none, and they are written with their rules as on any other apply.
     */
    public static Plumbing plumbing(Snapshot snapshot) {
        String prefix = snapshot.config().interfacePrefix();
        Plumbing plumbing = HostStateCalculator.plumbing(snapshot);
        boolean covered = prefix != null && !prefix.isEmpty() && plumbing.interfaces().stream()
                .map(EndpointInterface::name).allMatch(name -> name.startsWith(prefix));
        return covered ? plumbing : Plumbing.NONE;
    }
}
