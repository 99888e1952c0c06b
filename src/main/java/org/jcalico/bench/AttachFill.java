package org.jcalico.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.agent.AgentPaths;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.lab.Lab;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;

/**
 * `bench attach --fill N`: N endpoints elsewhere in the lab's store before the adds, on fake nodes of 100 each
 * ({@link ClusterGenerator#writeUnpeered}), and the adds' profile letting each of the fill's groups in, so that h1's
 * agent holds every one of them in calc and as a member of its sets when the adds run: what an add meets on a host
 * of a cluster of that size. Waits until h1's sets hold them (its jcalico_ipset_members). {@code --fill 0} writes the
 * same profile and groups with no endpoints: the pair differs only in the endpoints.
 */
final class AttachFill {
    /** Endpoints a fake node holds, as in `bench scale`'s 5,000 nodes for 500,000. */
    static final int PER_NODE = 100;
    static final int PROFILES = 10;
    /** How long the bench waits for h1's agent to settle with the fill once its sets hold it. */
    static final int SETTLE_SECONDS = 120;
    private static final Pattern MEMBERS = Pattern.compile("(?m)^jcalico_ipset_members\\s+([0-9.eE+]+)$");

    private AttachFill() {
    }

    /** The adds' profile: its members let each other in (as container add's own), and each of the fill's groups. */
    static Profile profile(String name) {
        Profile own = Profile.securityGroup(name);
        List<Rule> inbound = new ArrayList<>(own.inbound());
        for (int i = 0; i < PROFILES; i++) {
            inbound.add(Rule.allow().withSource(new EntityMatch(ClusterGenerator.profileName(i), null, null)));
        }
        return own.withRules(Direction.INBOUND, inbound);
    }

    /** Writes the fill and the adds' profile, before any endpoint of h1's uses it. */
    static void write(Lab lab, int endpoints, String profile, PrintWriter out) {
        long start = System.nanoTime();
        try (Datastore datastore = lab.layout().datastoreUrl().open(OpenMode.WRITE)) {
            ResourceStore store = new ResourceStore(datastore);
            new ClusterGenerator(store, line -> { }).writeUnpeered(nodes(endpoints), endpoints, PROFILES);
            store.create(profile(profile));
        }
        out.printf("wrote %d endpoints on %d nodes without BGP addresses in %.1f s%n", endpoints, nodes(endpoints),
                (System.nanoTime() - start) / 1e9);
        out.flush();
    }

    /**
     * Waits until h1's sets hold the fill: only once an endpoint of h1's has the adds' profile does its agent keep sets
     * for the groups that profile lets in. Returns the members h1's sets hold.
     */
    static long awaitSets(Lab lab, int endpoints, PrintWriter out) {
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + 300_000;
        while (true) {
            long members = members(AttachBenchmark.metrics(lab));
            if (members >= endpoints) {
                out.printf("h1's sets hold %d members, %.1f s after its first endpoint's add%n", members, (System.nanoTime() - start) / 1e9);
                out.flush();
                return members;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("h1's sets hold " + members + " members 300 s after the fill of " + endpoints);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for h1's sets", e);
            }
        }
    }

    /**
     * Waits until h1's agent has settled with the fill (its live size steady over two full collections in a row since
     * the fill began, or no full collection for a while after one, {@link FullCollections#steadySince}), as an agent of
     * a cluster that holds it has, and prints what
     * the collections since the fill began kept and how long each stopped the agent: what an add during or right after
     * a mass arrival meets. An agent that has not settled within {@link #SETTLE_SECONDS} of its sets holding the fill is
     * measured as it is, and the line says so. Collections since the fill began, not since the sets held it: an agent
     * with nothing left to absorb may not collect again until the adds bring one.
     */
    static void awaitSettled(Lab lab, Instant filling, PrintWriter out) {
        Path log = h1Log(lab);
        long start = System.nanoTime();
        long deadline = System.currentTimeMillis() + SETTLE_SECONDS * 1000L;
        while (true) {
            List<FullCollections.Collection> collections = FullCollections.of(lines(log));
            boolean steady = FullCollections.steadySince(collections, filling, Instant.now());
            if (steady || System.currentTimeMillis() > deadline) {
                out.printf("h1's agent %s %.1f s after its sets held the fill; its full collections since the fill began,"
                        + " what each kept (its pause): %s%n", steady ? "had settled with the fill (its live size steady)"
                        : "had NOT settled", (System.nanoTime() - start) / 1e9, FullCollections.describe(collections, filling));
                out.flush();
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for h1's agent to settle", e);
            }
        }
    }

    /**
     * h1's full collections logged since FROM (the first timed add), what each kept (its pause): whether the adds met
     * the agent's collector, which a settled agent's adds did every 45-55 adds (docs/dataplane.md, "Session 69
     * (p-fill)"), without a GC log of the lab's agents to read.
     */
    static String collectionsSince(Lab lab, Instant from) {
        return FullCollections.describe(FullCollections.of(lines(h1Log(lab))), from);
    }

    private static Path h1Log(Lab lab) {
        return AgentPaths.of("h1", lab.layout().runDir(), lab.layout().logDir()).log();
    }

    private static List<String> lines(Path log) {
        try {
            return Files.readAllLines(log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read h1's agent's log " + log + ": " + e.getMessage(), e);
        }
    }

    /** The fill's nodes: one at least, so that --fill 0 writes the same groups and rules with no endpoints in them. */
    static int nodes(int endpoints) {
        return Math.max(1, (endpoints + PER_NODE - 1) / PER_NODE);
    }

    /** jcalico_ipset_members on an agent's metrics page, 0 when the page has none. */
    static long members(String page) {
        Matcher matcher = MEMBERS.matcher(page);
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }
}
