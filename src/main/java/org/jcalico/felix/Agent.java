package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.KernelException;
import org.jcalico.log.Log;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The per-host agent: one thread that turns datastore changes into kernel state. Changes that arrive together are
 * handled as one batch; at start and every resync interval the kernel is read back and repaired. Stopping the
 * agent leaves the kernel as it is, so traffic keeps flowing while it is down.
 */
public final class Agent {
    private static final long RETRY_MILLIS = 1000;
    private final String node;
    private final Dataplane dataplane;
    private final Log log;
    private final AgentStatusFile statusFile;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Syncer syncer;
    private final StatusReporter reporter;
    private final ClusterCache cache;
    private final HostStateCalculator calculator = new HostStateCalculator();
    private final Object stop = new Object();
    private boolean synced;
    private boolean reportPending;
    private Map<String, String> failures = Map.of();
    private final BgpSpeaker bgp;

    /** @param bgp BIRD for this node, or null when the fabric routes between hosts (--no-bgp) */
    public Agent(Datastore datastore, String node, Dataplane dataplane, Log log, AgentStatusFile statusFile, BgpSpeaker bgp) {
        this.bgp = bgp;
        this.node = node;
        this.dataplane = dataplane;
        this.log = log;
        this.statusFile = statusFile;
        this.syncer = new Syncer(datastore, queue);
        this.reporter = new StatusReporter(new ResourceStore(datastore), node);
        this.cache = new ClusterCache(node);
    }

    /** Asks the loop to finish its current batch and return. Safe from any thread (a shutdown hook). */
    public void stop() {
        queue.add(stop);
    }

    /** Runs until {@link #stop}. */
    public void run() {
        log.info("agent for node " + node + " starting");
        statusFile.write(AgentStatusFile.State.starting, 0, 0, null);
        dataplane.start();
        startSyncing();
        long nextResync = 0;
        while (true) {
            List<Object> batch = new ArrayList<>();
            try {
                long wait = Math.max(1, nextResync - System.currentTimeMillis());
                Object first = queue.poll(bgp == null ? wait : Math.min(wait, BgpSpeaker.CHECK_MILLIS), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch);
                }
            } catch (InterruptedException e) {
                break;
            }
            if (batch.contains(stop)) {
                break;
            }
            boolean dirty = absorb(batch);
            if (!synced) {
                continue;
            }
            if (bgp != null) {
                bgp.supervise();
            }
            boolean resyncDue = System.currentTimeMillis() >= nextResync;
            if (dirty || resyncDue || reportPending) {
                boolean ok = program(resyncDue);
                long interval = ok ? cache.config().resyncIntervalSeconds() * 1000L : RETRY_MILLIS;
                if (resyncDue || !ok) {
                    nextResync = System.currentTimeMillis() + interval;
                }
            }
        }
        syncer.stop();
        statusFile.write(AgentStatusFile.State.stopped, 0, 0, null);
        log.info("agent for node " + node + " stopped; the kernel keeps its state");
    }

    private void startSyncing() {
        while (true) {
            try {
                syncer.start();
                reporter.load();
                return;
            } catch (DatastoreException e) {
                log.warn("datastore not reachable (" + e.getMessage() + "); retrying in 1 s, kernel state unchanged");
                statusFile.write(AgentStatusFile.State.disconnected, 0, 0, e.getMessage());
                sleep(RETRY_MILLIS);
            }
        }
    }

    /** Folds a batch of inputs into the cache; true if the desired state may have changed. */
    private boolean absorb(List<Object> batch) {
        boolean dirty = false;
        List<String> problems = new ArrayList<>();
        int events = 0;
        for (Object input : batch) {
            switch (input) {
                case Syncer.Input.Listed listed -> {
                    cache.replaceAll(listed.items(), problems);
                    synced = true;
                    dirty = true;
                    log.info("read " + listed.items().size() + " keys at revision " + listed.revision());
                }
                case Syncer.Input.Changed changed -> {
                    events += changed.events().size();
                    dirty |= cache.apply(changed.events(), problems);
                }
                case Syncer.Input.Lost lost -> {
                    log.warn("watch lost its place (" + lost.reason() + "); listing everything again");
                    synced = false;
                    startSyncing();
                }
                default -> throw new IllegalStateException("unexpected input " + input);
            }
        }
        problems.forEach(log::warn);
        if (events > 0) {
            log.debug("batch of " + events + " datastore events");
        }
        return dirty;
    }

    /** Calculates and applies the desired state; false when something failed and a retry is due soon. */
    private boolean program(boolean full) {
        Snapshot snapshot = cache.snapshot();
        List<WorkloadEndpoint> local = snapshot.localEndpoints();
        boolean ok = true;
        try {
            long start = System.nanoTime();
            HostState desired = calculator.calculate(snapshot);
            DataplaneReport report = full ? dataplane.resync(desired) : dataplane.apply(desired);
            failures = endpointFailures(local, report, HostStateCalculator.missingProfiles(snapshot));
            long micros = (System.nanoTime() - start) / 1000;
            String what = full ? "resync" : "update";
            if (report.changedAnything()) {
                log.info(what + " of " + local.size() + " local endpoints in " + micros / 1000.0 + " ms: " + report.summary());
            } else {
                log.debug(what + ": kernel matched (" + micros / 1000.0 + " ms)");
            }
            ok = report.failures().isEmpty();
        } catch (KernelException e) {
            log.error("programming the kernel failed: " + e.getMessage());
            failures = new HashMap<>();
            for (WorkloadEndpoint endpoint : local) {
                failures.put(endpoint.endpointId(), e.getMessage());
            }
            ok = false;
        }
        try {
            reporter.report(local, failures);
            reportPending = false;
        } catch (DatastoreException e) {
            log.warn("could not report endpoint status (" + e.getMessage() + "); will retry");
            reportPending = true;
            ok = false;
            try {
                reporter.load();
            } catch (DatastoreException unreachable) {
                // the retry reloads first; the kernel keeps what was programmed meanwhile
            }
        }
        if (bgp != null) {
            bgp.configure(snapshot);
        }
        statusFile.write(AgentStatusFile.State.in_sync, local.size() - failures.size(), failures.size(), null);
        return ok;
    }

    private static Map<String, String> endpointFailures(List<WorkloadEndpoint> local, DataplaneReport report,
                                                        Map<String, List<String>> missingProfiles) {
        Map<String, String> result = new HashMap<>();
        for (WorkloadEndpoint endpoint : local) {
            String failure = report.failures().get(endpoint.interfaceName());
            if (failure != null) {
                result.put(endpoint.endpointId(), failure);
            } else if (missingProfiles.containsKey(endpoint.endpointId())) {
                result.put(endpoint.endpointId(), "profile(s) " + String.join(", ", missingProfiles.get(endpoint.endpointId()))
                        + " do not exist: all their traffic is dropped");
            }
        }
        return result;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
