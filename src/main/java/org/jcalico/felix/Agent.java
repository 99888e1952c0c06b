package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.flows.DeniedFlowLog;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.NfTablesCommits;
import org.jcalico.log.Log;
import org.jcalico.util.ConfiguredInterval;
import org.jcalico.util.Shown;
import org.jcalico.metrics.AgentMetrics;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The per-host agent: one thread that turns datastore changes into kernel state. Changes that arrive together are
 * handled as one batch; at start and every resync interval the kernel is read back and repaired. Stopping the
 * agent leaves the kernel as it is, so traffic keeps flowing while it is down.
 */
public final class Agent {
    private static final long RETRY_MILLIS = 1000;
    /** The loop goes round at least this often, so that liveness can tell a waiting loop from a stuck one. */
    private static final long HEARTBEAT_MILLIS = 1000;
    static final long MAX_BACKOFF_MILLIS = 60_000;
    /**
     * How often the agent looks at its ipsets' headers for another program's change (ipset tells no listener): with the
     * resync that a change brings forward, the bound within which one is repaired (docs/dataplane.md, "Session 67
     * (t-ipset)").
     */
    static final long SETS_LOOK_MILLIS = 1000;
    /** How often, while the last pass left something waiting on the host's links, the agent looks at them. */
    private static final long LINKS_LOOK_MILLIS = 1000;
    private final String node;
    private final Dataplane dataplane;
    private final Log log;
    private final AgentStatusFile statusFile;
    private final DatastoreWait datastoreWait;
    private final LinkedBlockingQueue<Object> queue;
    private final Syncer syncer;
    private final StatusReporter reporter;
    private final ClusterCache cache;
    /** The resync interval the configuration says, for the threads that work once an interval beside the loop. */
    private final ConfiguredInterval resyncInterval =
            new ConfiguredInterval(FelixConfiguration.DEFAULTS.resyncIntervalSeconds() * 1000L);
    /** Holds a due periodic resync back while an endpoint of this node is coming or going (ResyncSchedule). */
    private final AttachesUnderWay attaches;
    private final Function<Snapshot, HostState> calculate;
    private final InterfacePrefixGuard prefixGuard;
    private final EndpointLinkGuard linkGuard;
    private final Object stop = new Object();
    /** Queued by BGP's worker when it has applied a configuration or its problem changed: the status is due. */
    private final Object bgpSettled = new Object();
    /** A pass's status is not yet written: it waits for BIRD to have the pass's configuration. */
    private boolean statusDue;
    /**
     * Why the watch cannot reach the datastore now (it goes on trying), or null: the status says disconnected meanwhile,
     * whatever a pass from the cache (a resync's repair) does.
     */
    private String unreachable;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean synced;
    /** The revision the cache holds: its listing's, then its last event's. */
    private long cachedRevision;
    /** The revision of the last listing. */
    private long listedRevision;
    /**
     * The revision through which this node's agents took every change to the kernel: the last pass's whose every tool
     * took its batch and that left no tracked connection to forget (Dataplane#owesForgetting), else the one the agent
     * started with. The status file keeps it for the next agent (NewHolders).
     */
    private long appliedRevision;
    /**
     * The revision of this node's registration where it wrote one while the first listing was under way (0: none):
     * no pass calculates from a cache that does not hold it yet ({@link #registeredAt}).
     */
    private long registeredRevision;
    private boolean reportPending;
    /** A listing was absorbed and its first programming not yet followed by the full collection that gives back its peak. */
    private boolean listingPeakHeld;
    private final PromotedGarbage promotedGarbage = new PromotedGarbage();
    /**
     * For the time a pass's thread ran on a core (its log line): a pass's wall time beside it says whether a slow pass
     * worked or waited (for a core, a collection's pause, the kernel, the driver's other threads; session 65).
     */
    private static final java.lang.management.ThreadMXBean LOOP_THREAD = java.lang.management.ManagementFactory.getThreadMXBean();
    private Map<String, String> failures = Map.of();
    /** The last pass's local endpoints, with the routes that carry them: what the report speaks of. */
    private final LocalEndpoints local = new LocalEndpoints();
    private final AdvertisementWait advertisementWait = new AdvertisementWait();
    /**
     * The last report's decision on waiting for BIRD: while it withholds an endpoint or reported one late, the loop
     * reports again when BIRD settles or the wait ends.
     */
    private AdvertisementWait.Decision reported = AdvertisementWait.Decision.NONE;
    /** The reading of BIRD that decision was made on. */
    private BgpReading reportedOn = BgpReading.NONE;
    /** Dataplane failures that concern no single endpoint (a set, a host route, a whole tool), by object. */
    private Map<String, String> hostFailures = Map.of();
    private int localCount;
    /** The last pass's local endpoints programmed isolated (state not active), apart from programmed and failed. */
    private int isolatedCount;
    /** Whether a pass has programmed (or tried to) since the start: only the first may find an empty kernel. */
    private boolean programmedOnce;
    /** When the loop next looks at the ipsets' headers ({@link #foreignSetChanges}). */
    private long nextSetsLook;
    /** When the loop next looks at the host's links for what the last pass left waiting on them ({@link #linksChanged}). */
    private long nextLinksLook;
    /** The interfaces the last pass's endpoints failed for want of ({@link #linksChanged}). */
    private final MissingLinks missingLinks = new MissingLinks();
    /**
     * A pass failed, perhaps after its calculation told the addresses that left other nodes' endpoints and before the
     * dataplane took them (the next calculation compares with that one): the next full pass sweeps as the first does,
     * with the holders written after {@link #appliedRevision} as new (docs/dataplane.md, "Session 65 (t-restart)").
     */
    private boolean sweepDue;
    /**
     * The snapshot of the first pass, until the incremental path has been rehearsed on it (IncrementalRehearsal): once,
     * right after the first pass, if it succeeded.
     */
    private Snapshot rehearsalDue;
    /** After a failed pass, the datastore is listed afresh: the failure may have cost the cache an event. */
    private boolean relist;
    /** The last pass's exception, while the loop backs off from it. */
    private String crash;
    /** Whether the last pass changed the kernel (or failed to in part): for a resync another program brought forward, a repair. */
    private boolean passChanged;
    /**
     * The repairs of other programs' changes, for the status's warning while one keeps changing the dataplane; read by
     * whichever thread writes the status.
     */
    private volatile ForeignRepairs foreignRepairs = ForeignRepairs.NONE;
    /** Whether the status last written carries that warning: its end, a window after the last repair, is written too. */
    private boolean foughtWritten;
    private final BgpSpeaker bgp;
    private final List<Consumer<FelixConfiguration>> configurationListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Snapshot>> passListeners = new CopyOnWriteArrayList<>();
    private FelixConfiguration announced;
    private volatile long lastLoopMillis = System.currentTimeMillis();
    private final AgentMetrics metrics;
    /** The denied-flow log's reader, or null (tests of the loop alone). */
    private DeniedFlowLog deniedFlows;

    /** @param bgp BIRD for this node, or null when the fabric routes between hosts (--no-bgp) */
    public Agent(AgentFeed feed, String node, Dataplane dataplane, Log log, AgentStatusFile statusFile, BgpSpeaker bgp,
                 AgentMetrics metrics) {
        this(feed, node, dataplane, log, statusFile, bgp, metrics, new HostStateCalculator()::calculate);
    }

    /** @param deniedFlows told each new desired state, to read the denied-flow log by it */
    public Agent(AgentFeed feed, String node, Dataplane dataplane, Log log, AgentStatusFile statusFile, BgpSpeaker bgp,
                 AgentMetrics metrics, DeniedFlowLog deniedFlows) {
        this(feed, node, dataplane, log, statusFile, bgp, metrics);
        this.deniedFlows = deniedFlows;
    }

    /** @param calculate the calculation; tests wrap the real one to inject a fault into a pass */
    Agent(AgentFeed feed, String node, Dataplane dataplane, Log log, AgentStatusFile statusFile, BgpSpeaker bgp,
          AgentMetrics metrics, Function<Snapshot, HostState> calculate) {
        this.metrics = metrics;
        this.calculate = calculate;
        this.prefixGuard = new InterfacePrefixGuard(dataplane, log);
        this.linkGuard = new EndpointLinkGuard(dataplane::addressedLinks, log);
        this.bgp = bgp;
        this.node = node;
        this.dataplane = dataplane;
        this.log = log;
        this.statusFile = statusFile;
        this.datastoreWait = new DatastoreWait(log, statusFile);
        statusFile.addWarning(() -> foreignRepairs.warning(System.currentTimeMillis()));
        this.queue = feed.queue;
        this.cache = feed.cache;
        this.appliedRevision = feed.appliedRevision;
        this.attaches = new AttachesUnderWay(node);
        this.syncer = feed.syncer;
        this.reporter = new StatusReporter(new ResourceStore(feed.datastore), node);
    }

    /**
     * Calls {@code listener} on the agent's thread with this node's effective FelixConfiguration once the datastore is
     * read and whenever it changes (the log level, the health and metrics listeners follow it). Register before
     * {@link #run}.
     */
    public void onConfiguration(Consumer<FelixConfiguration> listener) {
        configurationListeners.add(listener);
    }

    /**
     * The resync interval of this node's effective FelixConfiguration, followed from the datastore's first reading on
     * (the default before): the intent and docker sweepers wait on it, so that a changed interval reaches them at once.
     */
    public ConfiguredInterval resyncInterval() {
        return resyncInterval;
    }

    /**
     * Calls {@code listener} on the agent's thread with each pass's snapshot, after the pass: it must only look and hand
     * work to a thread of its own (the block reserve, {@link BlockReserver}). Register before {@link #run}.
     */
    public void afterPass(Consumer<Snapshot> listener) {
        passListeners.add(listener);
    }

    /**
     * The revision at which this node's registration was written (0: it wrote nothing): the process registers its
     * node while the listing it started ahead is read (AgentRuntime), so that listing may be older than the
     * registration; the loop then calculates nothing until the watch has brought the cache up to this revision, so
     * that no pass reads a node record older than the one registered (BGP's configuration reads it; docs/agent.md,
     * "Start-up of the agent", session 35). Call before run().
     */
    public void registeredAt(long revision) {
        registeredRevision = revision;
    }

    /** When the loop last went round (or retried the datastore), for liveness. */
    public long lastLoopMillis() {
        return lastLoopMillis;
    }

    /** Asks the loop to finish its current batch and return. Safe from any thread (a shutdown hook). */
    public void stop() {
        stopped.countDown();
        queue.add(stop);
    }

    /**
     * Runs until {@link #stop}. An exception from any part of a pass (a bug in the calculation, a driver, the
     * reporting or BGP) is logged with its stack trace and shown in the status; the loop then waits, twice as long
     * after each failed pass up to {@link #MAX_BACKOFF_MILLIS}, lists the datastore afresh and carries on. An Error
     * (out of memory, say) leaves the JVM in no state to go on: it is logged and rethrown, and the process exits
     * non-zero for its supervisor to restart it.
     */
    public void run() {
        log.info("agent for node " + node + " starting");
        statusFile.writeOutOfSync(AgentStatusFile.State.starting, null);
        dataplane.start();
        if (bgp != null) {
            bgp.start(() -> queue.add(bgpSettled));
        }
        NfTablesCommits foreignCommits = watchForeignCommits();
        startSyncing();
        ResyncSchedule resync = new ResyncSchedule();
        long backoff = RETRY_MILLIS;
        // what changed while the cache was not yet up to date: the pass that follows calculates it
        boolean changedMeanwhile = false;
        while (true) {
            lastLoopMillis = System.currentTimeMillis();
            List<Object> batch = new ArrayList<>();
            try {
                long wait = Math.max(1, resync.dueAt(resyncIntervalMillis(), attaches.any()) - System.currentTimeMillis());
                if (programmedOnce) {
                    // the look comes on time, not at the heartbeat after it (a second late)
                    wait = Math.min(wait, Math.max(1, nextSetsLook - System.currentTimeMillis()));
                }
                if (reported.withholding()) {
                    wait = Math.min(wait, AdvertisementWait.WAIT_MILLIS / 10);
                }
                Object first = queue.poll(Math.min(wait, HEARTBEAT_MILLIS), TimeUnit.MILLISECONDS);
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
            foreignCommits(batch, resync);
            foreignSetChanges(resync);
            boolean linkGone = linksChanged(resync);
            if ((foreignRepairs.warning(System.currentTimeMillis()) != null) != foughtWritten) {
                statusDue = true;
            }
            try {
                if (relist) {
                    relist = false;
                    synced = false;
                    startSyncing();
                }
                changedMeanwhile |= absorb(batch);
                if (!synced || cachedRevision < registeredRevision) {
                    continue;
                }
                boolean dirty = changedMeanwhile;
                changedMeanwhile = false;
                if (dirty) {
                    announceConfiguration();
                }
                boolean resyncDue = resync.isDue(System.currentTimeMillis(), resyncIntervalMillis(), attaches.any());
                if (dirty || resyncDue || reportPending || linkGone) {
                    String foreignCause = resyncDue ? resync.broughtForwardBy() : null;
                    boolean ok = program(resyncDue);
                    if (foreignCause != null && passChanged && !dirty) {
                        // nothing of the datastore's changed: what the resync wrote put back what the other program changed
                        foreignRepairs = foreignRepairs.repaired(System.currentTimeMillis(), foreignCause);
                    }
                    backoff = ok ? RETRY_MILLIS : Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                    resync.passed(System.currentTimeMillis(), resyncDue, ok, backoff);
                    // the kernel is programmed: whoever waits for the node waits for that, not for what follows
                    writeStatusIfDue();
                    if (rehearsalDue != null || listingPeakHeld) {
                        batch.clear(); // the listing is in the cache now: its decoded list must not outlive the collection
                        listingPeakHeld = !settle(ok);
                    } else if (queue.isEmpty()) {
                        collectPromotedGarbage();
                    }
                } else if ((reported.awaitsBgp() || bgp != null && bgp.reading().saysOtherThan(reportedOn))
                        && !reportEndpoints()) {
                    // a report withheld, or made before BIRD advertised what it needs (or before a peer learnt it): BIRD
                    // settled, or the wait ended; or one made on a reading BIRD has since said more than (docs/agent.md,
                    // "Session 69")
                    reportPending = true;
                }
                writeStatusIfDue();
            } catch (RuntimeException e) {
                crash = "internal error, retrying in " + backoff / 1000.0 + " s: " + e;
                log.error("agent pass failed (" + e + "); the kernel keeps what was programmed; listing everything again in "
                        + backoff / 1000.0 + " s", e);
                try {
                    statusFile.write(AgentStatusFile.State.degraded,
                            Math.max(0, localCount - failures.size() - isolatedCount), isolatedCount, failures.size(), problem(),
                            appliedRevision);
                } catch (RuntimeException unwritable) {
                    log.error("cannot write the status file: " + unwritable.getMessage());
                }
                if (awaitStop(backoff)) {
                    break;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                resync.resyncNext();
                relist = true;
                sweepDue = true;
                cache.collectNewHoldersAfter(appliedRevision);
            } catch (Error e) {
                log.error("agent stopping on a fatal error (" + e + ")", e);
                throw e;
            }
        }
        syncer.stop();
        if (foreignCommits != null) {
            foreignCommits.close();
        }
        if (bgp != null) {
            bgp.close();
        }
        if (deniedFlows != null) {
            deniedFlows.close();
        }
        statusFile.writeOutOfSync(AgentStatusFile.State.stopped, null);
        log.info("agent for node " + node + " stopped; the kernel keeps its state");
    }

    /**
     * Another program's commit to nf_tables may have taken jcalico's hooks or rules away (`nft flush ruleset`, a
     * firewall's reload): the watch queues a {@link NfTablesCommits.Commit} for each, and the resync comes at once rather than at
     * its interval, bounded in rate ({@link ResyncSchedule#foreignCommit}; docs/dataplane.md, "Session 65 (t-watch)").
     * Null when the kernel cannot tell (the periodic resync alone repairs).
     */
    private NfTablesCommits watchForeignCommits() {
        try {
            return dataplane.watchForeignCommits(queue::add);
        } catch (KernelException e) {
            log.error(e.getMessage() + "; what other programs change in nf_tables waits for the periodic resync");
            return null;
        }
    }

    /**
     * Takes the batch's foreign commits out of it into the schedule: those that may have changed what a resync repairs
     * ({@link Dataplane#mayHaveChanged}: one that touched jcalico's tables, or under the iptables driver iptables' built-in
     * chains, jcalico's chains or the security table) bring it forward; the others (docker's commits to its own tables or
     * chains, at each start of a container that publishes a port) only have the forward hook's dropping chains read
     * again, once a batch, for the status's warning, when one of them touched more than rules.
     */
    private void foreignCommits(List<Object> batch, ResyncSchedule resync) {
        boolean others = false;
        for (Object input : batch) {
            if (input instanceof NfTablesCommits.Commit commit) {
                if (!dataplane.mayHaveChanged(commit.touched())) {
                    // only a chain or a table made, changed or deleted can change which forward chains drop by policy
                    others |= commit.touched().stream().anyMatch(object -> object.chain() == null);
                    log.debug("another program committed to nf_tables (" + commit.who() + ") in " + commit.touched()
                            + ", nothing a resync repairs: no resync");
                } else {
                    String cause = "nf_tables (" + commit.who() + ")" + (commit.tables() == null ? "" : " in " + commit.tables());
                    if (resync.foreignCommit(System.currentTimeMillis(), "a commit to " + cause)) {
                        log.info("another program committed to " + cause + ": resync brought forward");
                    }
                }
            }
        }
        batch.removeIf(NfTablesCommits.Commit.class::isInstance);
        if (others && programmedOnce && dataplane.readForwardDropping()) {
            statusDue = true;
        }
    }

    /**
     * Once a second, between two passes, the ipsets' headers against what the ipset driver wrote ({@link
     * Dataplane#ipSetDrift}): another program's change to them (a member added to a set an allow rule matches, a flush,
     * a swap, a destroy) brings the resync forward as a foreign commit does, where before it waited for the periodic
     * one (an hour where so configured). A look that fails changes nothing: the periodic resync still reads back.
     */
    private void foreignSetChanges(ResyncSchedule resync) {
        long now = System.currentTimeMillis();
        if (!programmedOnce || now < nextSetsLook) {
            return;
        }
        nextSetsLook = now + SETS_LOOK_MILLIS;
        try {
            String drift = dataplane.ipSetDrift();
            if (drift != null && resync.foreignCommit(now, "a change to jcalico's ipsets (" + drift + ")")) {
                log.info("another program changed jcalico's ipsets (" + drift + "): resync brought forward");
            }
        } catch (KernelException e) {
            log.debug("the ipsets' headers could not be read (" + e.getMessage() + "); the periodic resync reads them back");
        }
    }

    /**
     * Once a second while the last pass left something waiting on the host's links, whether it changed: a link that
     * refused the interface prefix gone (a veth that a killed or undone add left, deleted since; session 69), the
     * interface an endpoint failed for want of come (a veth made after its endpoint record, or deleted and made again),
     * or a link an endpoint was refused for, as it held an address of the host, holding none now. Whether a pass is due
     * for it; where they would have waited for the next full resync or the failure's back-off, doubling to a minute
     * (docs/agent.md, "Session 69 (t-prompt)", "Session 70 (t-sweep)"). Nothing is asked while nothing waits.
     */
    private boolean linksChanged(ResyncSchedule resync) {
        long now = System.currentTimeMillis();
        boolean prefixRefused = prefixGuard.problem() != null;
        if (!prefixRefused && !missingLinks.any() && !linkGuard.refusesForAddressedLinks() || now < nextLinksLook) {
            return false;
        }
        nextLinksLook = now + LINKS_LOOK_MILLIS;
        try {
            if (missingLinks.any() && missingLinks.arrivedAmong(dataplane.links())) {
                // the pass that found it missing was a full one (only a full pass dumps the links): so is its retry
                resync.resyncNext();
                return true;
            }
            return prefixRefused && prefixGuard.refusingLinkGone() || linkGuard.refusedLinkFreed();
        } catch (KernelException e) {
            log.debug("the host's links could not be read (" + e.getMessage() + "); the next pass looks at them again");
            return false;
        }
    }

    private void startSyncing() {
        while (true) {
            try {
                syncer.start();
                loadReport();
                datastoreWait.ended();
                unreachable = null;
                return;
            } catch (DatastoreException e) {
                datastoreWait.failed(e.getMessage());
                sleep(RETRY_MILLIS);
                lastLoopMillis = System.currentTimeMillis();
            }
        }
    }

    /** The reporter's starting point from the store; this node's status records it could not read are gone, and logged. */
    private void loadReport() {
        List<String> removed = reporter.load();
        if (!removed.isEmpty()) {
            log.warn("removed " + removed.size() + " status record(s) of this node's endpoints that cannot be read (another"
                    + " version's, or cut short): " + Shown.names(removed) + "; the next report writes them afresh");
        }
    }

    private long resyncIntervalMillis() {
        return cache.config().resyncIntervalSeconds() * 1000L;
    }

    private void announceConfiguration() {
        FelixConfiguration config = cache.config();
        if (!config.equals(announced)) {
            announced = config;
            resyncInterval.set(config.resyncIntervalSeconds() * 1000L);
            configurationListeners.forEach(listener -> listener.accept(config));
        }
    }

    /** Folds a batch of inputs into the cache; true if the desired state may have changed. */
    private boolean absorb(List<Object> batch) {
        boolean dirty = false;
        List<String> problems = new ArrayList<>();
        int events = 0;
        for (Object input : batch) {
            if (input == bgpSettled) {
                statusDue = true;
                continue;
            }
            switch (input) {
                case Syncer.Input.Listed listed -> {
                    long start = System.nanoTime();
                    int kept = cache.replaceWith(listed.parts(), problems);
                    attaches.forget();
                    cachedRevision = listed.revision();
                    listedRevision = listed.revision();
                    synced = true;
                    listingPeakHeld = true;
                    dirty = true;
                    // what the cache keeps: the keys it reads nothing under, and other nodes' blocks, are not counted
                    log.info("read the listing at revision " + listed.revision() + ", " + kept
                            + " values kept: listed, decoded and put in tables in "
                            + listed.listedNanos() / 1_000_000 + " ms, cached in " + (System.nanoTime() - start) / 1_000_000 + " ms");
                }
                case Syncer.Input.Changed changed -> {
                    events += changed.events().size();
                    changed.events().forEach(event -> cachedRevision = Math.max(cachedRevision, event.revision()));
                    metrics.received(changed.events());
                    attaches.apply(changed.events());
                    dirty |= cache.apply(changed.events(), problems);
                }
                case Syncer.Input.Unreachable gone -> {
                    unreachable = gone.reason();
                    datastoreWait.failed(gone.reason(), DatastoreWait.KERNEL_FROM_CACHE);
                }
                case Syncer.Input.Reachable back -> {
                    unreachable = null;
                    datastoreWait.ended();
                    statusDue = true;
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
        crash = null;
        passChanged = false;
        long revision = cachedRevision;
        // the links first: an endpoint naming the uplink must not make the uplink's prefix look like endpoints'
        Snapshot snapshot = prefixGuard.apply(linkGuard.apply(cache.snapshot(), full), full);
        List<WorkloadEndpoint> endpoints = snapshot.localEndpoints();
        local.update(endpoints, snapshot.localBlocks().stream().map(IpamBlock::cidr).toList());
        Set<String> relinked = local.relinked();
        if (!relinked.isEmpty()) {
            log.info("endpoint records written again for " + Shown.names(relinked) + ": their links and routes are read again");
            dataplane.forgetLinks();
        }
        localCount = endpoints.size();
        Map<String, String> endpointFailures;
        Map<String, String> otherFailures;
        boolean ok;
        try {
            long start = System.nanoTime();
            long startOnCore = LOOP_THREAD.getCurrentThreadCpuTime();
            HostState[] calculated = new HostState[1];
            Supplier<HostState> calculation = () -> {
                calculated[0] = calculate.apply(snapshot);
                metrics.calculated(System.nanoTime() - start);
                if (deniedFlows != null) {
                    deniedFlows.update(snapshot.config(), calculated[0], endpoints);
                }
                return calculated[0];
            };
            DataplaneReport report;
            if (full && !programmedOnce) {
                // the first pass: on an empty kernel, a guard is written during the calculation
                programmedOnce = true;
                sweepDue = false;
                rehearsalDue = snapshot;
                report = StartSequence.firstPass(dataplane, snapshot, calculation, newHolders());
            } else if (full && sweepDue) {
                sweepDue = false;
                report = StartSequence.sweepingResync(dataplane, snapshot, calculation, newHolders());
            } else {
                HostState state = calculation.get();
                report = full ? dataplane.resync(state) : dataplane.apply(state);
            }
            HostState desired = calculated[0];
            metrics.applied(desired, report, full);
            endpointFailures = endpointFailures(local, report, desired.failedClosed());
            Map<String, String> others = new TreeMap<>(report.failures());
            others.keySet().removeIf(object -> !local.onInterface(object).isEmpty()
                    || desired.concerns().containsKey(object));
            otherFailures = others;
            long micros = (System.nanoTime() - start) / 1000;
            String what = full ? "resync" : "update";
            passChanged = report.changedAnything();
            if (report.changedAnything()) {
                // the thread's time on a core beside the wall time: a slow pass's line tells its work from its waits
                log.info(what + " of " + endpoints.size() + " local endpoints in " + micros / 1000.0 + " ms (on a core "
                        + (LOOP_THREAD.getCurrentThreadCpuTime() - startOnCore) / 1000 / 1000.0 + " ms): " + report.summary());
            } else {
                log.debug(what + ": kernel matched (" + micros / 1000.0 + " ms)");
            }
            ok = report.failures().isEmpty();
            missingLinks.passed(report.failures());
            if (Dataplane.TOOLS.stream().noneMatch(report.failures()::containsKey) && !dataplane.owesForgetting()) {
                // every tool took its batch (an endpoint's own failure is fail-closed) and no tracked connection is left
                // to forget: none accepted for an earlier holder of an address is left for the next agent to suspect
                appliedRevision = revision;
            }
        } catch (KernelException e) {
            endpointFailures = new HashMap<>();
            for (WorkloadEndpoint endpoint : local.all()) {
                endpointFailures.put(endpoint.endpointId(), e.getMessage());
            }
            otherFailures = Map.of("kernel", e.getMessage());
            ok = false;
            missingLinks.passed(Map.of());
        }
        logChanges("endpoint", failures, endpointFailures);
        logChanges("host", hostFailures, otherFailures);
        failures = endpointFailures;
        hostFailures = otherFailures;
        isolatedCount = (int) local.isolated().stream()
                .filter(endpoint -> !failures.containsKey(endpoint.endpointId())).count();
        if (bgp != null) {
            // before the report: an endpoint that needs a new route waits for BIRD to have it, others do not
            bgp.configure(snapshot, local.routes(), cache.lentRoutes());
        }
        ok &= reportEndpoints();
        metrics.endpoints(endpoints.size() - failures.size() - isolatedCount, isolatedCount, failures.size());
        statusDue = true;
        passListeners.forEach(listener -> listener.accept(snapshot));
        return ok;
    }

    /** The holders written after the applied revision, as the last listing and the events since found them. */
    private NewHolders newHolders() {
        return NewHolders.of(appliedRevision, listedRevision, cache.takeNewHolders());
    }

    /**
     * Writes what became of the last pass's endpoints, each at once but for those whose report waits for BIRD to
     * advertise the route other hosts reach them by ({@link AdvertisementWait}). False when the datastore failed.
     */
    private boolean reportEndpoints() {
        reportedOn = bgp == null ? BgpReading.NONE : bgp.reading();
        AdvertisementWait.Decision decision = bgp == null ? AdvertisementWait.Decision.NONE
                : advertisementWait.decide(local, failures.keySet(), reportedOn, System.nanoTime());
        if (decision.readAgain()) {
            bgp.readAgain();
        }
        decision.newlyLate().forEach((endpoint, routes) -> log.warn("endpoint " + endpoint
                + " reported programmed while BGP does not yet advertise " + AdvertisementWait.routes(routes)));
        if (!decision.late().equals(reported.late())) {
            statusDue = true;
        }
        reported = decision;
        try {
            metrics.programmed(reporter.report(local, failures, notes(decision.notes()), decision.withheld()));
            reportPending = false;
            return true;
        } catch (DatastoreException e) {
            log.warn("could not report endpoint status (" + e.getMessage() + "); will retry");
            reportPending = true;
            try {
                loadReport();
            } catch (DatastoreException unreachable) {
                // the retry reloads first; the kernel keeps what was programmed meanwhile
            }
            return false;
        }
    }

    /**
     * The status of the last pass, if one is due: written as soon as the pass has programmed the kernel, before the
     * rehearsal and the full collection that follow a first pass, and once BIRD has that pass's configuration (the loop
     * does not wait for it: BGP's worker queues {@link #bgpSettled} when done), so that a status written after a change
     * never speaks for a BIRD that does not have it yet, and a configuration BIRD refuses is in the status that follows it.
     */
    private void writeStatusIfDue() {
        if (!statusDue || bgp != null && bgp.pending()) {
            return;
        }
        statusDue = false;
        if (unreachable != null) {
            statusFile.writeOutOfSync(AgentStatusFile.State.disconnected, unreachable);
            return;
        }
        foughtWritten = foreignRepairs.warning(System.currentTimeMillis()) != null;
        String problem = problem();
        statusFile.write(problem == null ? AgentStatusFile.State.in_sync : AgentStatusFile.State.degraded,
                localCount - failures.size() - isolatedCount, isolatedCount, failures.size(), problem, appliedRevision);
    }

    /**
     * After a pass that followed a listing (StartSequence.afterFirstPass), once the status file says in sync: after the
     * first pass, if it succeeded, the incremental path run in memory on its snapshot (IncrementalRehearsal; nothing
     * reaches the kernel; a change that arrives meanwhile waits for the round under way, then the rehearsal stops; a
     * failure is logged and changes nothing: the next pass calculates and plans as always); then, after any listing,
     * one full collection that gives the start's peak back (StartPeak), unless a change waits: it is then given back
     * after a later pass that leaves nothing queued, so that no change queued here waits for it (100-600 ms for a
     * cluster of 100,000 endpoints; a change arriving during it still waits). Only after a first pass that succeeded
     * (PASSED) is the snapshot rehearsed: it is not kept for a later one. Returns whether the peak was given back.
     */
    private boolean settle(boolean passed) {
        Snapshot snapshot = passed ? rehearsalDue : null;
        rehearsalDue = null;
        StartSequence.Settled settled = StartSequence.afterFirstPass(snapshot, calculate, dataplane, () -> !queue.isEmpty());
        if (settled.failure() != null) {
            log.error("rehearsal of the incremental path failed (" + settled.failure() + "); nothing was written",
                    settled.failure());
        } else if (settled.rehearsed()) {
            log.info("incremental path rehearsed in memory: " + settled.rounds() + " rounds in "
                    + settled.rehearsalNanos() / 1_000_000 + " ms");
        }
        if (settled.heap() == null) {
            log.debug("the listing's full collection waits: a change is queued");
            return false;
        }
        log.info("heap after the listing's full collection: " + settled.heap());
        return true;
    }

    /**
     * Between passes, with no work queued: a full collection if young collections have promoted more than
     * PromotedGarbage allows since the last one (the serial collector would otherwise grow the old generation with it up
     * to the heap's maximum); a change that arrives meanwhile waits for it.
     */
    private void collectPromotedGarbage() {
        String collected = promotedGarbage.collectIfDue();
        if (collected != null) {
            log.info(collected);
        }
    }

    /** Failures that began or changed are errors; ones that ended are news. Unchanged ones were logged already. */
    private void logChanges(String what, Map<String, String> before, Map<String, String> after) {
        after.forEach((object, reason) -> {
            if (!reason.equals(before.get(object))) {
                log.error(what + " " + object + " failed: " + reason);
            }
        });
        before.keySet().stream().filter(object -> !after.containsKey(object))
                .forEach(object -> log.info(what + " " + object + " no longer fails"));
    }

    /** Everything that keeps this node from being as configured, for `node status`; null when nothing does. */
    private String problem() {
        List<String> problems = new ArrayList<>();
        if (crash != null) {
            problems.add(crash);
        }
        if (prefixGuard.problem() != null) {
            problems.add(prefixGuard.problem());
        }
        if (linkGuard.problem() != null) {
            problems.add(linkGuard.problem());
        }
        String unreadable = cache.unreadableProblem();
        if (unreadable != null) {
            problems.add(unreadable);
        }
        String claimed = cache.claimProblem();
        if (claimed != null) {
            problems.add(claimed);
        }
        String covered = cache.poolProblem();
        if (covered != null) {
            problems.add(covered);
        }
        failures.forEach((endpoint, reason) -> problems.add("endpoint " + endpoint + " failed: " + reason));
        hostFailures.forEach((object, reason) -> problems.add(object + ": " + reason));
        reported.late().forEach((endpoint, routes) -> problems.add("endpoint " + endpoint
                + " is not yet reachable from other hosts: BGP does not advertise " + AdvertisementWait.routes(routes)));
        String bgpProblem = bgp == null ? null : bgp.problem();
        if (bgpProblem != null) {
            problems.add(bgpProblem);
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * What the status of an endpoint programmed says besides BGP's NOTES: that it is isolated (its state is not active),
     * so that `container list` never shows an endpoint dropping everything as merely programmed.
     */
    private Map<String, String> notes(Map<String, String> notes) {
        Map<String, String> all = new HashMap<>(notes);
        for (WorkloadEndpoint endpoint : local.isolated()) {
            endpoint.isolation().ifPresent(isolation -> all.merge(endpoint.endpointId(), isolation, (bgp, own) -> own + "; " + bgp));
        }
        return all;
    }

    /**
     * A failure of an endpoint's interface, route or chains is its own; a refusal of a whole tool's batch (nothing
     * of it was written) is every endpoint's; calc keeps an endpoint dropped when a profile or a policy's tier it
     * needs does not exist. Looks up the failures' objects, not every local endpoint (but for a whole tool's).
     */
    private static Map<String, String> endpointFailures(LocalEndpoints local, DataplaneReport report,
                                                        Map<String, String> failedClosed) {
        Map<String, String> result = new HashMap<>();
        String whole = Dataplane.TOOLS.stream().map(tool -> report.failures().get(tool)).filter(Objects::nonNull)
                .reduce((a, b) -> a + "; " + b).orElse(null);
        if (whole != null) {
            local.all().forEach(endpoint -> result.put(endpoint.endpointId(), whole));
        }
        report.failures().forEach((object, failure) -> local.onInterface(object)
                .forEach(endpoint -> result.put(endpoint.endpointId(), failure)));
        failedClosed.forEach((endpointId, reason) -> {
            if (local.has(endpointId)) {
                result.putIfAbsent(endpointId, reason);
            }
        });
        return result;
    }

    /** Waits until stopped (true) or until the time is up (false). */
    private boolean awaitStop(long millis) {
        try {
            return stopped.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
