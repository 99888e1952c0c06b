package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.datastore.Keys;
import org.jcalico.felix.calc.UnreadableRecord;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.Resource;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;

/**
 * Which addresses more than one record claims: two endpoints' nets that overlap (local and remote, or two remote
 * ones), or an endpoint's net holding a node's own address. Whose labels the packets from such an address carry is
 * unknown, so calc treats it as a peer whose membership is unknown ({@link UnreadableRecord#claimed}): in no set, and
 * the rules that would match less without it failed closed (docs/policy.md, "Session 51 (t-claim)"). Two nodes with
 * one address concern BGP, not policy, and are not a claim here.
 *
 * <p>Kept as the agent's cache changes, not found on each pass: with 100,000 endpoints, an index of every net (a map
 * entry each, the net being the record's own object) and per family a count of the nets wider than one address by
 * prefix length, so that the usual one-address net costs one lookup, and only a wide net (rare) is compared with all.
 */
final class AddressClaims {
    /** Whose endpoints claim an address ({@link #owners}): this node's, another's. */
    private static final int HERE = 1;
    private static final int ELSEWHERE = 2;
    /**
     * Each net's claimant: the record itself (the usual case, so that 100,000 endpoints add no object of ours), a
     * {@link Claimant} when its key is not its own, or a List of those when several claim exactly it. Untyped for that
     * reason; read only through {@link #claimantOf} and {@link #addAll}.
     */
    private final Map<Cidr, Object> byNet = new HashMap<>();
    /** Per family (IPv4, IPv6), how many nets of each prefix length shorter than one address are indexed. */
    private final int[][] wide = {new int[33], new int[129]};
    /** The claimants that overlap another, by key, with the keys they overlap. */
    private final Map<String, Set<String>> overlaps = new TreeMap<>();
    private final Map<String, Claimant> contested = new HashMap<>();
    /** What {@link #records} last made, until a claim changes. */
    private List<UnreadableRecord> records = List.of();
    private boolean changed;

    /** A record under its key (kept only for the few that overlap, or one whose key is not its own). */
    private record Claimant(String key, Resource resource) {
        List<Cidr> nets() {
            return AddressClaims.nets(resource);
        }
    }

    void clear() {
        byNet.clear();
        wide[0] = new int[33];
        wide[1] = new int[129];
        changed |= !overlaps.isEmpty();
        overlaps.clear();
        contested.clear();
    }

    /**
     * RESOURCE is now held (an endpoint or a node; anything else claims nothing), under KEPTKEY when it does not give
     * its key back ({@link Keys#key}), else null: no key is made for the usual record. Call {@link #remove} first.
     */
    void add(Resource resource, String keptKey) {
        List<Cidr> nets = nets(resource);
        if (nets.isEmpty()) {
            return;
        }
        List<Claimant> others = new ArrayList<>();
        for (Cidr net : nets) {
            overlapping(net, others);
        }
        Object entry = keptKey == null ? resource : new Claimant(keptKey, resource);
        for (Cidr net : nets) {
            byNet.merge(net, entry, AddressClaims::joined);
            if (!net.isHost()) {
                wide[net.version() == 4 ? 0 : 1][net.prefixLength()]++;
            }
        }
        if (others.isEmpty()) {
            return;
        }
        Claimant claimant = claimantOf(entry);
        String key = claimant.key;
        for (Claimant other : others) {
            if (!other.key.equals(key) && (resource instanceof WorkloadEndpoint || other.resource instanceof WorkloadEndpoint)) {
                link(claimant, other);
                link(other, claimant);
                changed = true;
            }
        }
    }

    /** RESOURCE, under KEY, is gone (or about to be replaced). */
    void remove(String key, Resource resource) {
        for (Cidr net : nets(resource)) {
            Object entry = byNet.get(net);
            if (entry instanceof List<?> list) {
                List<Object> rest = new ArrayList<>(list);
                rest.removeIf(one -> claimantOf(one).key.equals(key));
                if (rest.isEmpty()) {
                    byNet.remove(net);
                } else {
                    byNet.put(net, rest.size() == 1 ? rest.getFirst() : List.copyOf(rest));
                }
            } else if (entry != null && claimantOf(entry).key.equals(key)) {
                byNet.remove(net);
            }
            if (!net.isHost()) {
                wide[net.version() == 4 ? 0 : 1][net.prefixLength()]--;
            }
        }
        Set<String> linked = overlaps.remove(key);
        if (linked != null) {
            contested.remove(key);
            for (String other : linked) {
                Set<String> theirs = overlaps.get(other);
                theirs.remove(key);
                if (theirs.isEmpty()) {
                    overlaps.remove(other);
                    contested.remove(other);
                }
            }
            changed = true;
        }
    }

    /**
     * Whether an endpoint of another node than NODE claims this ADDRESS (a host route), and none of NODE's: a lookup per
     * prefix length that some indexed net has, not a walk.
     */
    boolean claimedElsewhereOnly(Cidr address, String node) {
        int[] lengths = wide[address.version() == 4 ? 0 : 1];
        boolean elsewhere = false;
        for (int length = 0; length <= address.prefixLength(); length++) {
            Object entry = length == address.prefixLength() ? byNet.get(address)
                    : lengths[length] > 0 ? byNet.get(Cidr.containing(address.network(), length)) : null;
            int owners = entry instanceof List<?> list ? list.stream().mapToInt(one -> owners(one, node)).reduce(0, (a, b) -> a | b)
                    : owners(entry, node);
            if ((owners & HERE) != 0) {
                return false;
            }
            elsewhere |= owners != 0;
        }
        return elsewhere;
    }

    /** Whose endpoint an entry of {@link #byNet} (not a List) is: HERE (NODE's), ELSEWHERE, or 0 (a node's address). */
    private static int owners(Object entry, String node) {
        Object resource = entry instanceof Claimant claimant ? claimant.resource : entry;
        if (resource instanceof WorkloadEndpoint endpoint) {
            return node.equals(endpoint.node()) ? HERE : ELSEWHERE;
        }
        return 0;
    }

    /** One record per pair that claims an address of the other, for calc; the same list while nothing changed. */
    List<UnreadableRecord> records() {
        if (changed) {
            List<UnreadableRecord> made = new ArrayList<>();
            overlaps.forEach((key, others) -> others.stream().filter(other -> key.compareTo(other) < 0)
                    .forEach(other -> made.add(record(contested.get(key), contested.get(other)))));
            records = List.copyOf(made);
            changed = false;
        }
        return records;
    }

    /** The pairs for the agent's status, one line however many: null when there are none. */
    String problem() {
        List<UnreadableRecord> pairs = records();
        if (pairs.isEmpty()) {
            return null;
        }
        String shown = pairs.stream().limit(Shown.MAX_NAMES).map(UnreadableRecord::problem)
                .collect(java.util.stream.Collectors.joining("; "));
        return pairs.size() + " address(es) claimed by two records, each in no set and the endpoints whose policy it"
                + " could loosen dropped: " + shown + (pairs.size() > Shown.MAX_NAMES ? "; and "
                + (pairs.size() - Shown.MAX_NAMES) + " more" : "");
    }

    private static UnreadableRecord record(Claimant one, Claimant other) {
        Set<Cidr> nets = new TreeSet<>();
        for (Cidr mine : one.nets()) {
            for (Cidr theirs : other.nets()) {
                if (mine.overlaps(theirs)) {
                    nets.add(mine);
                    nets.add(theirs);
                }
            }
        }
        return UnreadableRecord.claimed(one.key, List.copyOf(nets), "address " + Shown.names(nets) + " claimed by both "
                + Shown.value(one.key) + " and " + Shown.value(other.key));
    }

    private void link(Claimant one, Claimant other) {
        overlaps.computeIfAbsent(one.key, key -> new TreeSet<>()).add(other.key);
        contested.put(one.key, one);
    }

    /** Adds to FOUND the claimants of nets overlapping NET: the same net, a wider one holding it, a narrower one in it. */
    private void overlapping(Cidr net, List<Claimant> found) {
        addAll(byNet.get(net), found);
        int[] lengths = wide[net.version() == 4 ? 0 : 1];
        for (int length = 0; length < net.prefixLength(); length++) {
            if (lengths[length] > 0) {
                addAll(byNet.get(Cidr.containing(net.network(), length)), found);
            }
        }
        if (!net.isHost()) {
            // a wide net is rare in an endpoint record: comparing it with every net costs its own arrival only
            byNet.forEach((other, entry) -> {
                if (!other.equals(net) && net.contains(other)) {
                    addAll(entry, found);
                }
            });
        }
    }

    private static void addAll(Object entry, List<Claimant> found) {
        if (entry instanceof List<?> list) {
            list.forEach(one -> found.add(claimantOf(one)));
        } else if (entry != null) {
            found.add(claimantOf(entry));
        }
    }

    private static Claimant claimantOf(Object entry) {
        return entry instanceof Claimant claimant ? claimant : new Claimant(Keys.key((Resource) entry), (Resource) entry);
    }

    private static Object joined(Object existing, Object added) {
        List<Object> all = existing instanceof List<?> list ? new ArrayList<>(list) : new ArrayList<>(List.of(existing));
        all.add(added);
        return List.copyOf(all);
    }

    /** The addresses a record claims: an endpoint's nets, a node's own addresses. */
    private static List<Cidr> nets(Resource resource) {
        if (resource instanceof WorkloadEndpoint endpoint) {
            return endpoint.ipv4Nets().isEmpty() ? endpoint.ipv6Nets() : endpoint.ipv6Nets().isEmpty()
                    ? endpoint.ipv4Nets() : endpoint.nets();
        }
        if (resource instanceof Node node) {
            List<Cidr> own = new ArrayList<>(2);
            for (IpAddress address : new IpAddress[] {node.ipv4(), node.ipv6()}) {
                if (address != null) {
                    own.add(Cidr.host(address));
                }
            }
            return own;
        }
        return List.of();
    }
}
