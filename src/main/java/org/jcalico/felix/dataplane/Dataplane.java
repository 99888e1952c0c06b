package org.jcalico.felix.dataplane;

import java.util.List;
import org.jcalico.felix.dataplane.interfaces.InterfaceDriver;
import org.jcalico.felix.dataplane.ipsets.IpSetDriver;
import org.jcalico.felix.dataplane.iptables.IptablesDriver;
import org.jcalico.felix.dataplane.routes.RouteDriver;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;

/**
 * Makes one host's kernel match a desired {@link HostState}. {@link #apply} works from what the drivers last wrote,
 * so a small change costs a small update; {@link #resync} reads the kernel back first, which repairs drift and
 * sweeps away jcalico's objects that are no longer wanted. The order keeps every step valid: interfaces up before
 * their routes; ipsets filled before rules refer to them; rules gone before their ipsets are destroyed.
 */
public final class Dataplane {
    private final InterfaceDriver interfaces;
    private final IpSetDriver ipSets;
    private final List<IptablesDriver> iptables;
    private final RouteDriver routes;

    public Dataplane(CommandRunner runner) {
        this.interfaces = new InterfaceDriver(runner);
        this.ipSets = new IpSetDriver(runner);
        this.iptables = List.of(new IptablesDriver(4, runner), new IptablesDriver(6, runner));
        this.routes = new RouteDriver(runner);
    }

    public void start() {
        interfaces.start();
    }

    public DataplaneReport apply(HostState desired) {
        Counts counts = new Counts();
        counts.interfacesConfigured = interfaces.apply(desired.interfaces(), counts.failures);
        counts.setsWritten = ipSets.update(desired.ipSets());
        for (IptablesDriver driver : iptables) {
            IptablesDriver.Changes changes = driver.apply(desired.iptables(driver.version()));
            counts.chainsWritten += changes.written();
            counts.chainsDeleted += changes.deleted();
            counts.hooksRepaired += changes.hooksRepaired();
        }
        counts.setsDeleted = ipSets.sweep(desired.ipSets());
        RouteDriver.Changes routeChanges = routes.apply(desired.routes(), counts.failures);
        counts.routesAdded = routeChanges.added();
        counts.routesRemoved = routeChanges.removed();
        return counts.report();
    }

    public DataplaneReport resync(HostState desired) {
        interfaces.forget();
        ipSets.forget();
        iptables.forEach(IptablesDriver::forget);
        routes.forget();
        return apply(desired);
    }
}
