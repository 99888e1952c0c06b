package org.jcalico.felix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.bgp.BgpSession;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.bgp.RoutingIntent;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.KernelException;
import org.jcalico.log.Log;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;

/**
 * The agent's side of BGP: BIRD's configuration follows every snapshot, and BIRD is restarted within a second if
 * it dies. A configuration is checked with BIRD (`bird -p`) before it is applied; when BIRD refuses a session's
 * line, that session (a peer, or a node of the mesh) is left out and reported, so that one bad peer neither stops
 * every other session from being configured nor keeps BIRD from starting. Failures are logged at ERROR, reported by
 * {@link #problem()} and retried; they never stop the agent from programming its own host.
 */
public final class BgpSpeaker {
    static final long CHECK_MILLIS = 1000;
    private static final Pattern REFUSED_LINE = Pattern.compile(":(\\d+):\\d+ ");
    private static final Pattern SESSION_LINE = Pattern.compile("^protocol bgp (\\S+) from ");
    private final BirdDaemon bird;
    private final Path birdLog;
    private final Log log;
    /** The configuration BIRD should run: the last rendered one that BIRD accepted. */
    private String config;
    private String rendered;
    private String refusedConfig;
    private Map<String, String> refusedSessions = Map.of();
    private String lastError;
    private long nextCheck;

    public BgpSpeaker(BirdDaemon bird, Path birdLog, Log log) {
        this.bird = bird;
        this.birdLog = birdLog;
        this.log = log;
    }

    void configure(Snapshot snapshot) {
        try {
            RoutingIntent intent = intentOf(snapshot);
            String candidate = BirdConfig.render(intent, birdLog);
            if (!candidate.equals(rendered)) {
                accept(intent, candidate);
                rendered = candidate;
            }
        } catch (ValidationException | KernelException e) {
            rendered = null;
            refused("BGP not configured: " + e.getMessage());
        }
        if (config != null) {
            ensure();
        }
    }

    /** Leaves out each session BIRD refuses, until it accepts the rest; the running configuration stays otherwise. */
    /** What BGP needs of the agent's view of the cluster. */
    static RoutingIntent intentOf(Snapshot snapshot) {
        return new RoutingIntent(snapshot.node(), snapshot.nodes(), snapshot.peers(), snapshot.bgp(), snapshot.pools(),
                snapshot.localBlocks(), snapshot.localEndpoints());
    }

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
        Node self = intent.nodes().stream().filter(node -> node.name().equals(intent.node())).findFirst().orElseThrow();
        return BirdConfig.sessions(intent, self).stream()
                .filter(candidate -> candidate.protocolName().equals(session.group(1))).findFirst();
    }

    void supervise() {
        if (config != null && System.currentTimeMillis() >= nextCheck) {
            ensure();
        }
    }

    /** What keeps BGP on this node from being as configured, or null when nothing does. */
    String problem() {
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
