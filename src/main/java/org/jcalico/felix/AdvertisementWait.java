package org.jcalico.felix;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;

/**
 * Which programmed endpoints' reports wait for BIRD (docs/agent.md, "Session 47 (g-bgp)"): one whose address other
 * hosts reach by a route BIRD has not yet advertised to its established peers (its new block's, its borrowed
 * address's host route) is withheld, so that whoever waits for the report (`container add`, docker's Join, CNI ADD)
 * returns when the other hosts can reach it too; for {@link #WAIT_MILLIS} at most, and not at all while BIRD cannot
 * take a new route: then it is reported programmed with a note of what is not yet advertised. Every other endpoint
 * is reported at once. Nothing waits for a peer whose session is not established (it may be down for good): an
 * endpoint whose route such a peer has not learnt is reported with a note naming the peers and their sessions' states
 * (docs/agent.md, "Session 50 (t-bgp)"). What is said of an endpoint rests on a reading of BIRD's sessions taken after
 * the endpoint was first decided on: an older one holds it back, within the same bound, until BIRD has been asked
 * afresh (docs/agent.md, "Session 66 (b-warn)"). Remembers since when each endpoint is concerned; the clock is the
 * caller's ({@link System#nanoTime()}, as the reading's).
 */
final class AdvertisementWait {
    /**
     * How long a report waits for BIRD to advertise the route, unless BIRD cannot take it (BgpReading#stalled):
     * BIRD's reconfiguration took 5-50 ms quiet and up to 270 ms at load 7 (docs/agent.md).
     */
    static final long WAIT_MILLIS = 2000;
    /**
     * Endpoints programmed whose route BIRD does not yet advertise or a peer has not learnt, since when they are so
     * (nanoseconds of the caller's clock).
     */
    private final Map<String, Long> since = new HashMap<>();
    /** The last decision's late endpoints, for telling the newly late apart. */
    private Map<String, List<Cidr>> late = Map.of();

    /**
     * What to report now: WITHHELD the endpoints that wait; NOTES endpoint to what the user should know of it
     * programmed; LATE endpoint to the routes not advertised past the wait (or while BIRD is stalled), NEWLY_LATE those
     * of them whose routes were not so at the last decision (to be logged once); UNREACHED the endpoints whose note
     * names peers that have not learnt their route; READ_AGAIN whether BIRD is to be asked afresh, an endpoint being
     * withheld on a reading older than it.
     */
    record Decision(Set<String> withheld, Map<String, String> notes, Map<String, List<Cidr>> late,
                    Map<String, List<Cidr>> newlyLate, Set<String> unreached, boolean readAgain) {
        /** Nothing withheld, nothing late: a node without BGP. */
        static final Decision NONE = new Decision(Set.of(), Map.of(), Map.of(), Map.of(), Set.of(), false);

        boolean withholding() {
            return !withheld.isEmpty();
        }

        /** Whether a report is to be made again when BGP settles or the wait ends: one waits, or a note may go. */
        boolean awaitsBgp() {
            return withholding() || !late.isEmpty() || !unreached.isEmpty();
        }
    }

    /**
     * Looks only at the endpoints whose routes BIRD has not exported, that a peer has not learnt, or that were
     * concerned at the last decision: every other one is reported at once with nothing to say of BGP, so a decision
     * costs the node's routes and the endpoints concerned, not a walk of every local endpoint (docs/agent.md, "Session
     * 54 (p-pass)"). An endpoint that would be held back or noted on a reading of BIRD's sessions taken before it was
     * first concerned is held back until a fresher one (READ_AGAIN), within WAIT_MILLIS: a session may have come up
     * since, and BIRD sent it the route then.
     *
     * @param failed endpoints that failed: their report says so at once
     * @param bgp what BGP's worker last found of BIRD
     */
    Decision decide(LocalEndpoints local, Set<String> failed, BgpReading bgp, long nowNanos) {
        Set<Cidr> advertised = bgp.advertised();
        Map<Cidr, List<String>> unlearnt = bgp.unlearnt();
        String stalled = bgp.stalled();
        Set<WorkloadEndpoint> concerned = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Cidr route : local.routes()) {
            if (!advertised.contains(route)) {
                concerned.addAll(local.carriedBy(route));
            }
        }
        unlearnt.keySet().forEach(route -> concerned.addAll(local.carriedBy(route)));
        since.keySet().removeIf(id -> !local.has(id));
        since.keySet().forEach(id -> concerned.addAll(local.withId(id)));
        Set<String> withheld = new HashSet<>();
        Set<String> unreached = new HashSet<>();
        Map<String, String> notes = new HashMap<>();
        Map<String, List<Cidr>> nowLate = new TreeMap<>();
        boolean readAgain = false;
        for (WorkloadEndpoint endpoint : concerned) {
            String id = endpoint.endpointId();
            List<Cidr> carrying = failed.contains(id) ? List.of() : local.carrying(endpoint);
            List<Cidr> missing = carrying.stream().filter(route -> !advertised.contains(route)).toList();
            String peers = unlearntBy(carrying, unlearnt);
            if (missing.isEmpty() && peers.isEmpty()) {
                since.remove(id);
                continue;
            }
            long first = since.computeIfAbsent(id, key -> nowNanos);
            boolean stale = bgp.before(first);
            if (stalled == null && nowNanos - first < WAIT_MILLIS * 1_000_000 && (!missing.isEmpty() || stale)) {
                withheld.add(id);
                readAgain |= stale;
                continue;
            }
            if (!missing.isEmpty()) {
                nowLate.put(id, missing);
                notes.put(id, "programmed here, but BGP does not yet advertise " + routes(missing) + " to the other hosts"
                        + (stalled == null ? " (BIRD has not exported it within " + WAIT_MILLIS + " ms)" : " (" + stalled + ")"));
            }
            if (!peers.isEmpty()) {
                unreached.add(id);
                notes.merge(id, "programmed here, but " + peers, (late, unlearntNote) -> late + "; " + peers);
            }
        }
        Map<String, List<Cidr>> newlyLate = new TreeMap<>(nowLate);
        newlyLate.entrySet().removeIf(entry -> entry.getValue().equals(late.get(entry.getKey())));
        late = nowLate;
        return new Decision(withheld, notes, nowLate, newlyLate, unreached, readAgain);
    }

    /**
     * What peers whose session is not established have not learnt of these routes, or "" when nothing: "BGP has not
     * advertised ROUTE to PEER (ADDRESS), session NAME: STATE (not established, so not waited for)".
     */
    private static String unlearntBy(List<Cidr> carrying, Map<Cidr, List<String>> unlearnt) {
        List<String> notes = carrying.stream().filter(unlearnt::containsKey)
                .map(route -> route + " to " + String.join("; to ", unlearnt.get(route))).toList();
        return notes.isEmpty() ? "" : "BGP has not advertised " + String.join(", nor ", notes)
                + " (not established, so not waited for)";
    }

    static String routes(List<Cidr> routes) {
        return String.join(", ", routes.stream().map(Cidr::toString).toList());
    }
}
