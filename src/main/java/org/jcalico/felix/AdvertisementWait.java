package org.jcalico.felix;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;

/**
 * Which programmed endpoints' reports wait for BIRD (docs/agent.md, "Session 47 (g-bgp)"): one whose address other
 * hosts reach by a route BIRD has not yet advertised to its established peers (its new block's, its borrowed
 * address's host route) is withheld, so that whoever waits for the report (`container add`, docker's Join, CNI ADD)
 * returns when the other hosts can reach it too; for {@link #WAIT_MILLIS} at most, and not at all while BIRD cannot
 * take a new route: then it is reported programmed with a note of what is not yet advertised. Every other endpoint
 * is reported at once. Remembers since when each endpoint waits; the clock is the caller's.
 */
final class AdvertisementWait {
    /**
     * How long a report waits for BIRD to advertise the route, unless BIRD cannot take it (BgpSpeaker#stalled):
     * BIRD's reconfiguration took 5-50 ms quiet and up to 270 ms at load 7 (docs/agent.md).
     */
    static final long WAIT_MILLIS = 2000;
    /** Endpoints programmed whose route BIRD does not yet advertise, since when (nanoseconds of the caller's clock). */
    private final Map<String, Long> since = new HashMap<>();
    /** The last decision's late endpoints, for telling the newly late apart. */
    private Map<String, List<Cidr>> late = Map.of();

    /**
     * What to report now: WITHHELD the endpoints that wait; NOTES endpoint to what the user should know of it
     * programmed; LATE endpoint to the routes not advertised past the wait (or while BIRD is stalled), NEWLY_LATE those
     * of them whose routes were not so at the last decision (to be logged once).
     */
    record Decision(Set<String> withheld, Map<String, String> notes, Map<String, List<Cidr>> late,
                    Map<String, List<Cidr>> newlyLate) {
        /** Nothing withheld, nothing late: a node without BGP. */
        static final Decision NONE = new Decision(Set.of(), Map.of(), Map.of(), Map.of());

        boolean withholding() {
            return !withheld.isEmpty();
        }
    }

    /**
     * @param failed endpoints that failed: their report says so at once
     * @param blocks this node's blocks, whose routes carry the endpoints' addresses ({@link BirdConfig#carrying})
     * @param advertised the routes BIRD has exported to every established session
     * @param stalled why BIRD cannot take a new route, or null
     */
    Decision decide(List<WorkloadEndpoint> local, Set<String> failed, List<Cidr> blocks, Set<Cidr> advertised,
                    String stalled, long nowNanos) {
        Set<String> withheld = new HashSet<>();
        Map<String, String> notes = new HashMap<>();
        Map<String, List<Cidr>> nowLate = new TreeMap<>();
        Set<String> present = new HashSet<>();
        for (WorkloadEndpoint endpoint : local) {
            String id = endpoint.endpointId();
            present.add(id);
            List<Cidr> missing = failed.contains(id) ? List.of() : endpoint.nets().stream()
                    .map(net -> BirdConfig.carrying(blocks, net)).filter(route -> !advertised.contains(route)).distinct().toList();
            if (missing.isEmpty()) {
                since.remove(id);
            } else if (stalled == null && nowNanos - since.computeIfAbsent(id, key -> nowNanos) < WAIT_MILLIS * 1_000_000) {
                withheld.add(id);
            } else {
                nowLate.put(id, missing);
                notes.put(id, "programmed here, but BGP does not yet advertise " + routes(missing) + " to the other hosts"
                        + (stalled == null ? " (BIRD has not exported it within " + WAIT_MILLIS + " ms)" : " (" + stalled + ")"));
            }
        }
        since.keySet().retainAll(present);
        Map<String, List<Cidr>> newlyLate = new TreeMap<>(nowLate);
        newlyLate.entrySet().removeIf(entry -> entry.getValue().equals(late.get(entry.getKey())));
        late = nowLate;
        return new Decision(withheld, notes, nowLate, newlyLate);
    }

    static String routes(List<Cidr> routes) {
        return String.join(", ", routes.stream().map(Cidr::toString).toList());
    }
}
