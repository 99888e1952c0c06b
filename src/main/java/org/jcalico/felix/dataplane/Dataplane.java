package org.jcalico.felix.dataplane;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
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
        Map<String, String> failures = new ConcurrentHashMap<>();
        // three phases, each running its independent kernel updates at once
        long start = System.nanoTime();
        var configured = async(() -> interfaces.apply(desired.interfaces(), failures));
        var setsWritten = async(() -> ipSets.update(desired.ipSets()));
        counts.interfacesConfigured = join(configured);
        counts.setsWritten = join(setsWritten);
        counts.timed("interfaces+ipsets", start);
        start = System.nanoTime();
        List<CompletableFuture<IptablesDriver.Changes>> tables = iptables.stream()
                .map(driver -> async(() -> driver.apply(desired.iptables(driver.version())))).toList();
        for (CompletableFuture<IptablesDriver.Changes> table : tables) {
            IptablesDriver.Changes changes = join(table);
            counts.chainsWritten += changes.written();
            counts.chainsDeleted += changes.deleted();
            counts.hooksRepaired += changes.hooksRepaired();
        }
        counts.timed("iptables", start);
        start = System.nanoTime();
        var setsDeleted = async(() -> ipSets.sweep(desired.ipSets()));
        var routeChanges = async(() -> routes.apply(desired.routes(), failures));
        counts.setsDeleted = join(setsDeleted);
        counts.routesAdded = join(routeChanges).added();
        counts.routesRemoved = join(routeChanges).removed();
        counts.timed("routes", start);
        failures.forEach(counts::fail);
        return counts.report();
    }

    private static <T> CompletableFuture<T> async(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, Thread::startVirtualThread);
    }

    /** The result, or the driver's own exception (a KernelException) rather than a wrapper. */
    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    public DataplaneReport resync(HostState desired) {
        interfaces.forget();
        ipSets.forget();
        iptables.forEach(IptablesDriver::forget);
        routes.forget();
        return apply(desired);
    }
}
