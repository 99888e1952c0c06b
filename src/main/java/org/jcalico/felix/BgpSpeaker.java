package org.jcalico.felix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.bgp.BgpSession;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.bgp.BirdControl;
import org.jcalico.bgp.RoutingIntent;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.Cidr;
import org.jcalico.log.Log;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;

/**
 * The agent's side of BGP: BIRD's configuration follows every snapshot, and BIRD is restarted within a second if
 * it dies. A configuration is checked by BIRD ({@link BirdControl#check}) before it is applied; when BIRD refuses a
 * session's line, that session (a peer, or a node of the mesh) is left out and reported, so that one bad peer neither stops
 * every other session from being configured nor keeps BIRD from starting. Failures are logged at ERROR, reported by
 * {@link #problem()} and retried; they never stop the agent from programming its own host.
 *
 * <p>BIRD is driven by a thread of its own: checking and applying a configuration took 15-30 ms on a quiet machine
 * and hundreds on a loaded one when each was a process (`bird -p`, `birdc configure`; since session 45 both are
 * requests on BIRD's control socket once it runs), and in the agent's loop that held back
 * every change queued behind it, such as the endpoint record that follows a new IPAM block by a few milliseconds
 * (docs/agent.md, "A served `container add`"). The loop hands over the rendered configuration and goes on; the worker
 * applies the latest one it was handed (a newer one replaces one not yet started) and tells the loop when it is done,
 * for the status to be written only then: {@link #pending()} says whether BIRD is still behind the last snapshot, and
 * {@link #reading()} which routes BIRD has exported to its established peers, for the reports of endpoints that
 * other hosts reach by a new route (docs/agent.md, "Session 47 (g-bgp)"); {@link #readAgain()} asks BIRD afresh when
 * a report would rest on a reading older than its endpoint (docs/agent.md, "Session 66 (b-warn)").
 */
public final class BgpSpeaker implements AutoCloseable {
    static final long CHECK_MILLIS = 1000;
    private static final Pattern REFUSED_LINE = Pattern.compile(":(\\d+):\\d+ ");
    private static final Pattern SESSION_LINE = Pattern.compile("^protocol bgp (\\S+) from ");
    private final BirdControl bird;
    private final Path birdLog;
    private final Log log;
    /** The last configuration handed to the worker (or the reason it could not be rendered); the loop's own. */
    private String handedOver;
    private final Object lock = new Object();
    /** Handed over and not yet taken by the worker; guarded by lock. */
    private Rendered next;
    /** The worker is applying a configuration; guarded by lock. */
    private boolean applying;
    /** The loop wants BIRD's sessions read afresh ({@link #readAgain}); guarded by lock. */
    private boolean readWanted;
    private boolean closed;
    private Thread worker;
    /** What keeps BGP from being as configured, as the worker last found it; null when nothing does. */
    private volatile String problem;
    /** What the worker last found, published at the end of each of its rounds. */
    private volatile BgpReading reading = BgpReading.NONE;
    // the worker's own from here on
    /** The routes of BIRD's configuration that it was last seen to have exported to every established session. */
    private Set<Cidr> advertised = Set.of();
    /**
     * Each route of BIRD's configuration that some configured session not established has never been seen to learn:
     * which peers, with their session's state as BIRD says it (docs/agent.md, "Session 50 (t-bgp)").
     */
    private Map<Cidr, List<String>> unlearnt = Map.of();
    /** When the question ADVERTISED and UNLEARNT answer was sent. */
    private long readNanos = Long.MIN_VALUE;
    /** The configuration BIRD should run: the last rendered one that BIRD accepted. */
    private String config;
    /** The routes that configuration advertises, by IP version. */
    private Map<Integer, List<Cidr>> configRoutes = Map.of();
    /** That configuration's sessions. */
    private List<BgpSession> configSessions = List.of();
    /** Each configured route's sessions that were seen established with every route of its family exported. */
    private final Map<Cidr, Set<String>> learntBy = new HashMap<>();
    private String refusedConfig;
    private Map<String, String> refusedSessions = Map.of();
    private String lastError;
    private long nextCheck;

    /** A snapshot's configuration as the loop rendered it, or why it could not (then candidate is null). */
    private record Rendered(RoutingIntent intent, String candidate, String error) {
        String key() {
            return candidate != null ? candidate : "refused: " + error;
        }
    }

    public BgpSpeaker(BirdControl bird, Path birdLog, Log log) {
        this.bird = bird;
        this.birdLog = birdLog;
        this.log = log;
    }

    /**
     * Starts the worker; {@code settled} is called on it after each configuration it applied and whenever what
     * {@link #problem()} says changed (BIRD died, came back), for the agent to write its status again.
     */
    void start(Runnable settled) {
        worker = Thread.ofPlatform().name("jcalico-bird").daemon().start(() -> work(settled));
    }

    /**
     * Hands this snapshot's configuration to the worker, unless it is the one handed over last. Cheap: the intent and
     * its rendering; BIRD is not asked here. ENDPOINTROUTES: the routes that carry the snapshot's local endpoints'
     * addresses, as the loop keeps them (LocalEndpoints); LENTROUTES: the addresses of its blocks lent to other nodes
     * (LentAddresses).
     */
    void configure(Snapshot snapshot, Collection<Cidr> endpointRoutes, List<Cidr> lentRoutes) {
        RoutingIntent intent = intentOf(snapshot, endpointRoutes, lentRoutes);
        Rendered rendered;
        try {
            rendered = new Rendered(intent, BirdConfig.render(intent, birdLog), null);
        } catch (ValidationException | KernelException e) {
            rendered = new Rendered(intent, null, "BGP not configured: " + e.getMessage());
        }
        if (rendered.key().equals(handedOver)) {
            return;
        }
        handedOver = rendered.key();
        synchronized (lock) {
            next = rendered;
            lock.notifyAll();
        }
    }

    /**
     * Asks the worker to read BIRD's sessions afresh (one `show protocols all`), for a report that a reading older than
     * its endpoint would hold back or note; {@code settled} is called once it did. Cheap: the worker is only woken.
     */
    void readAgain() {
        synchronized (lock) {
            readWanted = true;
            lock.notifyAll();
        }
    }

    /** Whether a configuration handed over is not yet applied (or refused): BIRD is behind the last snapshot. */
    boolean pending() {
        synchronized (lock) {
            return next != null || applying;
        }
    }

    /** Stops the worker after the configuration it is applying, if any; BIRD keeps running. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        if (worker != null) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void work(Runnable settled) {
        while (true) {
            Rendered taken;
            boolean asked;
            synchronized (lock) {
                while (next == null && !closed && !readWanted
                        && (config == null || System.currentTimeMillis() < nextCheck)) {
                    try {
                        lock.wait(config == null ? 0 : Math.max(1, nextCheck - System.currentTimeMillis()));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                taken = next;
                next = null;
                applying = taken != null;
                asked = readWanted;
                readWanted = false;
            }
            String before = problem;
            BgpReading readingBefore = reading;
            try {
                if (taken != null) {
                    apply(taken);
                }
                if (config != null) {
                    ensure();
                    if (lastError == null && (taken != null || asked || !unlearnt.isEmpty()
                            || !advertised.containsAll(routesOf(configRoutes)))) {
                        // while a peer has not learnt a route, its session is read every second: the note goes when it does
                        verify();
                    }
                }
            } catch (RuntimeException e) {
                // a bug here must not end the thread: BIRD would never be configured again
                lastError = "internal error: " + e;
                log.error("BGP configuration failed (" + e + "); retrying every second", e);
                nextCheck = System.currentTimeMillis() + CHECK_MILLIS;
            }
            problem = describe();
            String stalled = refusedConfig != null ? refusedConfig : lastError != null ? "BIRD: " + lastError : null;
            reading = new BgpReading(advertised, unlearnt, stalled, readNanos);
            synchronized (lock) {
                applying = false;
            }
            // a periodic reading that found nothing new wakes nobody; one the loop asked for does, once BIRD answered it
            if (taken != null || !Objects.equals(before, problem) || !advertised.equals(readingBefore.advertised())
                    || !unlearnt.equals(readingBefore.unlearnt()) || asked && readNanos != readingBefore.readNanos()) {
                settled.run();
            }
        }
    }

    private void apply(Rendered rendered) {
        if (rendered.candidate() == null) {
            refused(rendered.error());
        } else {
            accept(rendered.intent(), rendered.candidate());
        }
    }

    /** What BGP needs of the agent's view of the cluster. */
    static RoutingIntent intentOf(Snapshot snapshot, Collection<Cidr> endpointRoutes, List<Cidr> lentRoutes) {
        return new RoutingIntent(snapshot.node(), snapshot.nodes(), snapshot.peers(), snapshot.bgp(), snapshot.pools(),
                snapshot.localBlocks(), List.copyOf(endpointRoutes), lentRoutes);
    }

    /** Leaves out each session BIRD refuses, until it accepts the rest; the running configuration stays otherwise. */
    private void accept(RoutingIntent intent, String candidate) {
        Map<String, String> refused = new TreeMap<>();
        RoutingIntent usable = intent;
        for (Optional<String> error = bird.check(candidate); error.isPresent(); error = bird.check(candidate)) {
            Optional<BgpSession> culprit = sessionAt(usable, candidate, error.get());
            if (culprit.isEmpty()) {
                refused("BIRD refused the configuration, so it keeps running the last one it accepted: " + error.get());
                return;
            }
            refused.put(culprit.get().protocolName(), error.get());
            usable = usable.without(culprit.get());
            candidate = BirdConfig.render(usable, birdLog);
        }
        refusedConfig = null;
        config = candidate;
        configRoutes = Map.of(4, BirdConfig.advertised(usable, 4), 6, BirdConfig.advertised(usable, 6));
        configSessions = BirdConfig.sessions(usable, self(usable));
        if (!refused.equals(refusedSessions)) {
            refused.forEach((session, error) -> log.error("BGP session left out: BIRD refused it", "session", session, "error", error));
        }
        refusedSessions = refused;
    }

    private void refused(String problem) {
        if (!problem.equals(refusedConfig)) {
            log.error(problem);
        }
        refusedConfig = problem;
    }

    /** The session whose line BIRD's message names, if it names one. */
    private static Optional<BgpSession> sessionAt(RoutingIntent intent, String config, String error) {
        Matcher at = REFUSED_LINE.matcher(error);
        List<String> lines = config.lines().toList();
        if (!at.find() || Integer.parseInt(at.group(1)) > lines.size()) {
            return Optional.empty();
        }
        Matcher session = SESSION_LINE.matcher(lines.get(Integer.parseInt(at.group(1)) - 1));
        if (!session.find()) {
            return Optional.empty();
        }
        return BirdConfig.sessions(intent, self(intent)).stream()
                .filter(candidate -> candidate.protocolName().equals(session.group(1))).findFirst();
    }

    private static Node self(RoutingIntent intent) {
        return intent.nodes().stream().filter(node -> node.name().equals(intent.node())).findFirst().orElseThrow();
    }

    /**
     * The routes BIRD has handed to every established BGP session (to none, when no session is established): of
     * each IP version, all of its configuration's once each such session's exported count is theirs (its export filter
     * passes this node's routes alone), else those seen so before and still configured. Asked after the
     * reconfiguration was answered: BIRD runs its events in the order they were scheduled, so the updates the
     * reconfiguration queued were written to the sessions' connections before it reads the question. Besides, for
     * each route, the configured sessions not established that were never seen to have it ({@link #reading()}).
     */
    private void verify() {
        long asked = System.nanoTime();
        BirdControl.Sessions sessions;
        try {
            sessions = bird.sessions();
        } catch (KernelException e) {
            sessions = null;
        }
        List<BirdControl.Exported> exported = sessions == null ? null : sessions.exported();
        Set<Cidr> now = new HashSet<>();
        for (Map.Entry<Integer, List<Cidr>> family : configRoutes.entrySet()) {
            List<Cidr> routes = family.getValue();
            boolean all = exported != null && exported.stream().filter(session -> session.version() == family.getKey())
                    .allMatch(session -> session.routes() == routes.size());
            routes.stream().filter(route -> all || advertised.contains(route)).forEach(now::add);
        }
        advertised = Set.copyOf(now);
        if (sessions != null) {
            unlearnt = unlearnt(sessions);
            readNanos = asked;
        }
    }

    /**
     * Remembers which sessions have each route (established, every route of its family exported: BIRD sends a session
     * that comes up every route), and names, for each route, the sessions down now that never had it: a route a peer
     * learnt before its session went down is that session's problem (`node status`), not the route's.
     */
    private Map<Cidr, List<String>> unlearnt(BirdControl.Sessions sessions) {
        Set<Cidr> configured = routesOf(configRoutes);
        learntBy.keySet().retainAll(configured);
        for (BirdControl.Exported session : sessions.exported()) {
            List<Cidr> routes = configRoutes.getOrDefault(session.version(), List.of());
            if (session.routes() == routes.size()) {
                routes.forEach(route -> learntBy.computeIfAbsent(route, key -> new HashSet<>()).add(session.session()));
            }
        }
        Map<Cidr, List<String>> missing = new TreeMap<>();
        for (Map.Entry<Integer, List<Cidr>> family : configRoutes.entrySet()) {
            for (Cidr route : family.getValue()) {
                List<String> peers = configSessions.stream()
                        .filter(session -> session.peer().version() == family.getKey())
                        .filter(session -> sessions.notEstablished().containsKey(session.protocolName()))
                        .filter(session -> !learntBy.getOrDefault(route, Set.of()).contains(session.protocolName()))
                        .map(session -> describe(session, sessions.notEstablished().get(session.protocolName()))).toList();
                if (!peers.isEmpty()) {
                    missing.put(route, peers);
                }
            }
        }
        return Map.copyOf(missing);
    }

    private static String describe(BgpSession session, String state) {
        return (session.peerNode() != null ? session.peerNode() + " (" + session.peer() + ")" : session.peer().toString())
                + ", session " + session.protocolName() + ": " + state;
    }

    private static Set<Cidr> routesOf(Map<Integer, List<Cidr>> routes) {
        Set<Cidr> all = new HashSet<>();
        routes.values().forEach(all::addAll);
        return all;
    }

    /**
     * What the worker last found: the routes BIRD was last seen to have exported to every established session, those
     * a configured peer whose session is not established has not learnt ({@link #verify}), why BIRD cannot take a new
     * route now, and when its sessions were read.
     */
    BgpReading reading() {
        return reading;
    }

    /** What keeps BGP on this node from being as configured, or null when nothing does: as of the last configuration applied. */
    String problem() {
        return problem;
    }

    private String describe() {
        List<String> problems = new ArrayList<>();
        if (refusedConfig != null) {
            problems.add(refusedConfig);
        }
        refusedSessions.forEach((session, error) -> problems.add("BGP session " + session + " left out, BIRD refused it: " + error));
        if (lastError != null) {
            problems.add("BIRD: " + lastError);
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private void ensure() {
        nextCheck = System.currentTimeMillis() + CHECK_MILLIS;
        try {
            bird.ensure(config).ifPresent(action -> log.info("BIRD " + action, "socket", bird.socket()));
            lastError = null;
        } catch (KernelException e) {
            if (!e.getMessage().equals(lastError)) {
                log.error("BIRD: " + e.getMessage() + "; retrying every second");
            }
            lastError = e.getMessage();
        }
    }
}
