package org.jcalico.health;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.felix.AgentStatusFile;

/**
 * The verdict on a node's health, decided from facts alone (no I/O), so that the agent's /readiness and `node
 * status` say the same thing. Ready: the agent is in sync with the datastore, its last apply succeeded, and, unless
 * the node runs without BGP, BIRD runs and every session it is configured with is Established. Live: the agent's
 * loop went round recently.
 */
public record HealthReport(boolean ok, List<Condition> conditions) {
    /** How long the agent's loop may stay silent and still count as live: longer than its longest back-off (60 s). */
    public static final long LIVENESS_LIMIT_MILLIS = 90_000;

    /** One thing checked: its name, whether it holds, and why (or why not). */
    public record Condition(String name, boolean ok, String detail) {
    }

    public HealthReport {
        conditions = List.copyOf(conditions);
    }

    public static HealthReport readiness(HealthFacts facts) {
        List<Condition> conditions = new ArrayList<>();
        AgentStatusFile.Status status = facts.status();
        conditions.add(datastore(status));
        conditions.add(apply(status));
        if (facts.bgpExpected()) {
            conditions.add(facts.birdPid() == null ? new Condition("bird", false, "BIRD is not running")
                    : facts.birdError() != null ? new Condition("bird", false, facts.birdError())
                    : new Condition("bird", true, "running (pid " + facts.birdPid() + ")"));
            conditions.add(sessions(facts));
        }
        return new HealthReport(conditions.stream().allMatch(Condition::ok), conditions);
    }

    private static Condition datastore(AgentStatusFile.Status status) {
        if (status == null) {
            return new Condition("datastore", false, "the agent is not running");
        }
        return switch (status.state()) {
            case in_sync, degraded -> new Condition("datastore", true, "in sync");
            case starting -> new Condition("datastore", false, "the agent has not read the datastore yet");
            case disconnected -> new Condition("datastore", false, "datastore not reachable: " + status.problem());
            case stopped -> new Condition("datastore", false, "the agent stopped");
        };
    }

    private static Condition apply(AgentStatusFile.Status status) {
        if (status == null) {
            return new Condition("apply", false, "unknown while the agent is not running");
        }
        if (!status.state().running()) {
            return new Condition("apply", false, status.kept());
        }
        if (status.state() == AgentStatusFile.State.degraded || status.failed() > 0) {
            return new Condition("apply", false, status.failed() + " endpoints failed"
                    + (status.problem() == null ? "" : ": " + status.problem()));
        }
        return new Condition("apply", true, status.programmed() + " endpoints programmed"
                + (status.isolated() == 0 ? "" : ", " + status.isolated() + " isolated"));
    }

    private static Condition sessions(HealthFacts facts) {
        if (facts.birdPid() == null || facts.birdError() != null) {
            return new Condition("bgp", false, "unknown while BIRD does not answer");
        }
        List<BgpStatus.Session> down = facts.sessions().stream().filter(session -> !session.established()).toList();
        if (!down.isEmpty()) {
            return new Condition("bgp", false, "not established: " + down.stream()
                    .map(session -> session.peer() + " (" + session.type() + ", " + session.state()
                            + (session.info().isEmpty() ? "" : ", " + session.info()) + ")"
                            + (session.shutByImportLimit() ? ": shut by its import limit, it announced more routes inside"
                            + " the pools than it may (the peer's importLimit or the BGP configuration's); it is tried again"
                            + " at the next change of BIRD's configuration" : ""))
                    .collect(Collectors.joining(", ")));
        }
        return new Condition("bgp", true, facts.sessions().isEmpty() ? "no sessions configured"
                : facts.sessions().size() + " sessions established");
    }

    /** @param sinceLoopMillis how long ago the agent's loop last went round */
    public static HealthReport liveness(long sinceLoopMillis) {
        boolean live = sinceLoopMillis <= LIVENESS_LIMIT_MILLIS;
        return new HealthReport(live, List.of(new Condition("loop", live, "last went round " + sinceLoopMillis / 1000.0
                + " s ago" + (live ? "" : " (more than " + LIVENESS_LIMIT_MILLIS / 1000 + " s: stuck)"))));
    }

    /** Why the report is not ok: the failing conditions' details, or null when it is. */
    public String problem() {
        List<String> failing = conditions.stream().filter(condition -> !condition.ok())
                .map(condition -> condition.name() + ": " + condition.detail()).toList();
        return failing.isEmpty() ? null : String.join("; ", failing);
    }
}
