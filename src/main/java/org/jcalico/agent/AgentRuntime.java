package org.jcalico.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.StoreNotMountedException;
import org.jcalico.docker.DockerPlugin;
import org.jcalico.docker.DockerSweeper;
import org.jcalico.docker.IpamDriver;
import org.jcalico.docker.NetworkDriver;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;
import org.jcalico.workload.WorkloadException;
import org.jcalico.docker.PluginSpecs;
import org.jcalico.felix.Agent;
import org.jcalico.felix.AgentFeed;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.felix.BgpSpeaker;
import org.jcalico.felix.BlockReserver;
import org.jcalico.felix.DatastoreWait;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.flows.DeniedFlowLog;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Umask;
import org.jcalico.health.HealthProbe;
import org.jcalico.log.Log;
import org.jcalico.metrics.AgentMetrics;
import org.jcalico.util.SharedReading;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.nodes.NodeService;
import org.jcalico.workload.IntentSweeper;
import org.jcalico.util.ConfiguredInterval;

/**
 * The agent process put together: it claims the node's pid file, registers the node, runs Felix (and BIRD through
 * it) and serves its local endpoint beside it, until SIGTERM. It returns only when asked to stop; a loop that ends
 * by itself or on an exception is logged with its stack trace and thrown on, so that the process exits as on any
 * internal error (status 70, see cli/Main) and the supervisor starts a new agent.
 */
public final class AgentRuntime {
    private static final long STOP_TIMEOUT_SECONDS = 10;
    private static final String HEALTH = "health";
    private static final String METRICS = "metrics";

    private AgentRuntime() {
    }

    /**
     * The agent until STOP is requested: at the JVM's shutdown ({@link AgentStop#atShutdown}), or by root's AOT cache
     * training, which runs an agent in its own JVM and stops it before the JVM writes the cache.
     *
     * @param console whether to log to stderr too (a foreground run)
     * @param control what the local endpoint answers (path to handler), made with the agent's log and what the agent
     * keeps for the commands and calls it serves there (closed when the agent stops)
     */
    public static void run(AgentOptions options, boolean console,
                           BiFunction<Log, ServedResources, Map<String, UnaryOperator<byte[]>>> control, AgentStop stop) {
        try {
            runUntil(options, console, control, stop);
        } finally {
            // after the store and the pages are closed: a shutdown's wait ends here, and the JVM then closes nothing itself
            stop.finished();
        }
    }

    private static void runUntil(AgentOptions options, boolean console,
                                 BiFunction<Log, ServedResources, Map<String, UnaryOperator<byte[]>>> control, AgentStop stop) {
        AgentPaths paths = options.paths();
        new AgentProcess(paths).claim();
        // info until the datastore is read; from then on FelixConfiguration's logLevel (see followLogLevel)
        Log log = Log.open(paths.log(), console, "info");
        AgentStatusFile statusFile = new AgentStatusFile(paths.statusFile(), options.node());
        AgentStatusFile.Status earlier = statusFile.read();
        AgentMetrics metrics = new AgentMetrics();
        metrics.followSync(statusFile::inSync);
        if (earlier != null) {
            // what the kernel keeps until this agent's first pass, as `node status` says it
            metrics.endpoints(earlier.programmed(), earlier.isolated(), earlier.failed());
        }
        // liveness: the store's open goes round every second while it waits, then the agent's loop
        AtomicLong waiting = new AtomicLong(System.currentTimeMillis());
        AtomicReference<LongSupplier> lastLoop = new AtomicReference<>(waiting::get);
        BirdDaemon pagesBird = options.bgp() ? new BirdDaemon(paths.runDir(), CommandRunner.local()) : null;
        Supplier<List<BgpStatus.Session>> sessions = pagesBird == null ? null : birdSessions(pagesBird);
        try (PageListener health = health(statusFile, () -> lastLoop.get().getAsLong(), pagesBird, sessions, log);
             PageListener served = metrics(metrics, statusFile, sessions, log)) {
            // where the node's last agent served them, until the configuration is read: a probe meets this agent from
            // its start, also while it waits for a store it cannot reach (docs/observability.md, "Session 49 (w-wait)")
            health.serveAt(address(earlier, HEALTH));
            served.serveAt(address(earlier, METRICS));
            statusFile.writeOutOfSync(AgentStatusFile.State.starting, null);
            try (Datastore datastore = openStore(options, earlier, new DatastoreWait(log, statusFile), waiting)) {
                // the listing first, as soon as the store is open: the rest of the agent is set up beside it, and the
                // registration's reads and write (every node is read to check the addresses) run beside it too; the
                // loop waits for a cache that holds what the registration wrote
                AgentFeed feed = new AgentFeed(datastore, options.node(), statusFile.appliedRevision());
                log.info("heap sized for the start: " + feed.listAhead());
                // BIRD and ulogd make their logs themselves (BIRD a new bird.log at each rotation), with no mode to ask
                // for: what this process and its children make from now on is closed to other users, as the log
                // directory is. Linked here, beside the listing (a downcall's linking, 25-30 ms), before either starts
                Umask.set(Umask.CLOSED_TO_OTHERS);
                BgpSpeaker bgp = options.bgp() ? new BgpSpeaker(new BirdDaemon(paths.runDir(), CommandRunner.local()),
                        paths.logDir().resolve("bird.log"), log) : null;
                DeniedFlowLog deniedFlows = new DeniedFlowLog(options.node(), paths.runDir(), paths.logDir(), log);
                metrics.countDeniedPackets(deniedFlows.counted());
                Dataplane dataplane = new Dataplane(CommandRunner.local().observedBy(metrics::commandRan));
                statusFile.addWarning(dataplane::forwardDropWarning);
                statusFile.addWarning(dataplane::unreadableTablesWarning);
                Agent agent = new Agent(feed, options.node(), dataplane, log, statusFile, bgp, metrics, deniedFlows);
                lastLoop.set(agent::lastLoopMillis);
                agent.onConfiguration(config -> follow(config, health, served, statusFile));
                long registering = System.nanoTime();
                // the address probe (a fork) beside the listing too: only the registration reads it
                AgentOptions probed = options.withDetectedAddress(CommandRunner.local());
                long registered = new NodeService(new ResourceStore(datastore)).register(options.node(), probed.ipv4(),
                        options.ipv6(), options.asNumber());
                agent.registeredAt(registered);
                log.info("node " + options.node() + " registered beside the listing in "
                        + (System.nanoTime() - registering) / 1_000_000 + " ms"
                        + (registered == 0 ? " (stored as wanted already)" : " (written at revision " + registered + ")"));
                agent.onConfiguration(config -> followLogLevel(log, config));
                List<Thread> background = List.of(
                        IntentSweeper.start(new ResourceStore(datastore), options.node(), CommandRunner.local(), log,
                                agent.resyncInterval()),
                        BlockReserver.start(new ResourceStore(datastore), options.node(), log, agent));
                try {
                    DockerPlugin plugin = options.dockerPluginDir() == null ? null
                            : dockerPlugin(new ResourceStore(datastore), options.node(), log, agent.resyncInterval());
                    ServedResources servedResources = new ServedResources(options.datastoreUrl(), CommandRunner.local());
                    serve(agent, paths, control.apply(log, servedResources), servedResources, plugin == null ? null
                            : new PluginSpecs(options.dockerPluginDir(), paths.dockerSocket()), plugin, log, stop);
                } finally {
                    // they use the store, which closes next: stopped first, so that none meets it closed (an error line)
                    stopAndJoin(background);
                }
            }
        }
    }

    /**
     * The store the agent follows. An embedded store that is not there is made only when no agent of this node has
     * programmed the kernel from one yet (the status file keeps when one last did, across restarts and `node start`):
     * one gone since (moved away, its disk not mounted) is waited for with the kernel kept as it is and the status
     * saying so, never replaced by an empty store whose empty cluster the first pass would program over what the
     * kernel enforces. The status file is under /run, which a reboot empties: then a store whose filesystem fstab
     * names and is not mounted yet is waited for too (StoreNotMountedException), not made under the mount point.
     */
    private static Datastore openStore(AgentOptions options, AgentStatusFile.Status earlier, DatastoreWait wait,
                                       AtomicLong waiting) {
        boolean first = earlier == null || earlier.syncedAtMillis() == 0;
        while (true) {
            try {
                Datastore opened = first ? options.datastoreUrl().open(OpenMode.WRITE) : options.datastoreUrl().openExisting();
                wait.ended();
                return opened;
            } catch (DatastoreException e) {
                if (first && !(e instanceof StoreNotMountedException)) {
                    throw e;
                }
                wait.failed(e.getMessage());
                waiting.set(System.currentTimeMillis());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void followLogLevel(Log log, FelixConfiguration config) {
        Log.Level before = log.level();
        if (log.setLevel(Log.Level.parse(config.logLevel()))) {
            log.info("log level changed", "from", before.toString().toLowerCase(java.util.Locale.ROOT), "to", config.logLevel());
        }
    }

    /**
     * The pages at the addresses FelixConfiguration gives (healthHost:healthPort, prometheusMetricsHost:
     * prometheusMetricsPort), moved or closed when it changes; the status file records them before the listeners
     * move, so that no later agent of the node serves where the cluster moved or turned them off, not even after a
     * kill -9 between the two.
     */
    private static void follow(FelixConfiguration config, PageListener health, PageListener metrics,
                               AgentStatusFile statusFile) {
        InetSocketAddress healthAt = config.healthEnabled() ? PageListener.address(config.healthHost(), config.healthPort()) : null;
        InetSocketAddress metricsAt = config.prometheusMetricsEnabled()
                ? PageListener.address(config.prometheusMetricsHost(), config.prometheusMetricsPort()) : null;
        health.intend(healthAt);
        metrics.intend(metricsAt);
        statusFile.refresh();
        health.serveAt(healthAt);
        metrics.serveAt(metricsAt);
    }

    /** Where the node's last agent was to serve the listener {@code name}, or null (none, or turned off). */
    private static InetSocketAddress address(AgentStatusFile.Status earlier, String name) {
        AgentStatusFile.Served served = earlier == null ? null : earlier.pages().get(name);
        return served == null ? null : PageListener.address(served.host(), served.port());
    }

    /**
     * BIRD's sessions as the pages read them: `birdc show protocols`, one at a time, shared by the requests that came
     * while one ran. The pages listen where any local user can ask them as often as they like; a birdc each was a
     * process root started on their demand, as many at once as the pages have connections (docs/agent.md, "Session
     * 66 (t-local)"). Each request still gets a reading begun after it came (BgpStatus' 5 s timeout bounds the wait).
     */
    static Supplier<List<BgpStatus.Session>> birdSessions(BirdDaemon bird) {
        return new SharedReading<>(() -> BgpStatus.read(CommandRunner.local(), bird.socket()));
    }

    /**
     * /liveness and /readiness, from the agent's last status and {@code lastLoopMillis}; BIRD (null without BGP),
     * its process and {@code sessions}.
     */
    static PageListener health(AgentStatusFile statusFile, LongSupplier lastLoopMillis, BirdDaemon bird,
                               Supplier<List<BgpStatus.Session>> sessions, Log log) {
        return new PageListener(HEALTH, HealthPages.pages(
                () -> HealthProbe.gather(statusFile.last(), bird, sessions), lastLoopMillis), statusFile, log);
    }

    /** GET /metrics; BIRD's sessions counted from {@code sessions} (null without BGP). */
    static PageListener metrics(AgentMetrics metrics, AgentStatusFile statusFile,
                                Supplier<List<BgpStatus.Session>> sessions, Log log) {
        if (sessions != null) {
            metrics.countBgpSessions(sessions);
        }
        return new PageListener(METRICS,
                Map.of("/metrics", () -> new ControlServer.Page(200, metrics.contentType(), metrics.scrape())), statusFile, log);
    }

    /**
     * The docker plugin, after a first comparison with dockerd's view while no call of dockerd's can be under way
     * (docs/docker.md); the sweeper goes on at every resync.
     */
    private static DockerPlugin dockerPlugin(ResourceStore store, String node, Log log, ConfiguredInterval interval) {
        DockerClient docker;
        try {
            docker = DockerClient.fromEnvironment();
        } catch (WorkloadException e) {
            log.error("no docker plugin: " + e.getMessage());
            return null;
        }
        NetworkDriver network = new NetworkDriver(new ContainerService(store, CommandRunner.local(), new ContainerResolver(docker)),
                docker, node, log);
        DockerSweeper sweeper = new DockerSweeper(store, node, docker, network, log);
        try {
            sweeper.sweep(true);
        } catch (RuntimeException e) {
            log.error("could not compare node " + node + "'s docker endpoints with dockerd's: " + e.getMessage()
                    + "; trying again at the next resync");
        }
        sweeper.start(interval);
        return new DockerPlugin(network, new IpamDriver(store, node, network), log);
    }

    /** The docker plugin's socket, then its spec files; without a socket no spec file, so dockerd never waits on it. */
    private static ControlServer startPlugin(AgentPaths paths, PluginSpecs specs, DockerPlugin plugin, Log log) {
        try {
            ControlServer server = ControlServer.startPlugin(paths.dockerSocket(), plugin::answer, log);
            specs.write();
            log.info("serving the docker plugins " + PluginSpecs.NETWORK_DRIVER + " and " + PluginSpecs.IPAM_DRIVER + " on "
                    + paths.dockerSocket() + " (spec files in " + specs.directory() + ")");
            return server;
        } catch (IOException | java.io.UncheckedIOException e) {
            log.error("no docker plugin: " + e.getMessage());
            specs.remove();
            return null;
        }
    }

    /** Interrupts THREADS (each waits between its rounds) and waits for each to end, bounded. */
    private static void stopAndJoin(List<Thread> threads) {
        threads.forEach(Thread::interrupt);
        try {
            for (Thread thread : threads) {
                thread.join(java.time.Duration.ofSeconds(STOP_TIMEOUT_SECONDS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void serve(Agent agent, AgentPaths paths, Map<String, UnaryOperator<byte[]>> resources,
                              ServedResources servedResources, PluginSpecs specs, DockerPlugin plugin, Log log,
                              AgentStop stop) {
        java.util.concurrent.atomic.AtomicReference<Runnable> beforeStop = new java.util.concurrent.atomic.AtomicReference<>(() -> { });
        stop.onRequest(() -> {
            beforeStop.get().run();
            agent.stop();
        });
        ControlServer control = null;
        try {
            control = ControlServer.start(paths.socket(), resources, log);
        } catch (IOException e) {
            log.error("no local endpoint (" + e.getMessage() + "); container commands start their own JVM");
        }
        ControlServer pluginServer = plugin == null ? null : startPlugin(paths, specs, plugin, log);
        if (pluginServer != null) {
            // dockerd's calls under way when the stop comes are answered, by an agent that still programs (docs/docker.md)
            beforeStop.set(() -> {
                plugin.linger();
                specs.remove();
            });
        }
        try {
            agent.run();
            if (!stop.requested()) {
                throw new IllegalStateException("the agent's loop ended without being asked to");
            }
        } catch (RuntimeException | Error e) {
            log.error("the agent stopped on an internal error; its process exits and its supervisor starts a new one", e);
            throw e;
        } finally {
            if (pluginServer != null) {
                // the spec files first: a dockerd that reads them must find a plugin, or none
                specs.remove();
                pluginServer.close();
            }
            if (control != null) {
                control.close();
            }
            servedResources.close();
        }
    }
}
