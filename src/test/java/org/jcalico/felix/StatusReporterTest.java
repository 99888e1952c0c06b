package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pass's status on a real etcd, which refuses a transaction of more than 128 operations: a host with hundreds of
 * endpoints (an agent's start, a policy refused for all of them, all removed at once) must still report every one.
 */
class StatusReporterTest {
    private static final int ENDPOINTS = 300;
    private final LocalEndpoints kept = new LocalEndpoints();

    @Test
    void aPassWithMoreStatusThanEtcdTakesInOneTransactionIsReportedWhole() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start(); Datastore datastore = Datastores.open(etcd.url())) {
            ResourceStore store = new ResourceStore(datastore);
            List<WorkloadEndpoint> local = new ArrayList<>();
            for (int i = 0; i < ENDPOINTS; i++) {
                local.add(new WorkloadEndpoint("a", null, "c" + i, "e" + i, "jc" + i, null,
                        List.of(Cidr.parse("10.0." + i / 200 + "." + (1 + i % 200) + "/32")), List.of(), List.of("p"),
                        null, null, null, null));
            }
            Map<String, String> failures = Map.of("e7", "refused", "e250", "refused");
            StatusReporter reporter = new StatusReporter(store, "a");
            reporter.load();

            assertEquals(ENDPOINTS - failures.size(), reporter.report(kept(local), failures, Map.of(), Set.of()).size(), "programmed for the first time");
            Map<String, String> expected = new TreeMap<>();
            local.forEach(endpoint -> expected.put(endpoint.endpointId(), failures.containsKey(endpoint.endpointId())
                    ? "failed: refused" : "programmed: null"));
            assertEquals(expected, stored(store));

            // every endpoint fails at once (a refused shared chain), then all are removed at once
            Map<String, String> all = local.stream().collect(Collectors.toMap(WorkloadEndpoint::endpointId, e -> "refused"));
            assertEquals(List.of(), reporter.report(kept(local), all, Map.of(), Set.of()));
            expected.replaceAll((id, status) -> "failed: refused");
            assertEquals(expected, stored(store));
            reporter.report(kept(List.of()), Map.of(), Map.of(), Set.of());
            assertEquals(Map.of(), stored(store));

            // what the reporter remembers matches the store: a fresh reporter and this one agree on the next pass
            reporter.report(kept(local.subList(0, 200)), Map.of(), Map.of(), Set.of());
            StatusReporter restarted = new StatusReporter(store, "a");
            restarted.load();
            assertEquals(List.of(), restarted.report(kept(local.subList(0, 200)), Map.of(), Map.of(), Set.of()), "nothing new after a restart");
            assertEquals(200, stored(store).size());
        }
    }

    /**
     * A status record of this node's that cannot be read (written by another version with a state or a field this one
     * does not know, cut short): the agent's own record, to replace or remove, not a reason to stop. On be491ff5 the
     * load threw, and the agent's start retried it for ever ("datastore not reachable: datastore record ... is not a
     * valid EndpointStatus"), programming no change of the cluster's meanwhile.
     */
    @Test
    void aStatusOfThisNodesThatCannotBeReadIsReplacedOrRemoved(@TempDir Path dir) throws Exception {
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            String prefix = Keys.nodePrefix(EndpointStatus.class, "a");
            EndpointStatus readable = new EndpointStatus("a", "e1", EndpointStatus.State.programmed, null, 1);
            String json = org.jcalico.model.ResourceCodec.toJson(readable);
            datastore.commit(List.of(new org.jcalico.datastore.Op.Put(prefix + "e1", json.replace("\"programmed\"", "\"pending\"")),
                    new org.jcalico.datastore.Op.Put(prefix + "e2", json.substring(0, json.length() / 2))));
            WorkloadEndpoint e1 = new WorkloadEndpoint("a", null, "c1", "e1", "jc1", null, List.of(Cidr.parse("10.0.0.1/32")),
                    List.of(), List.of("p"), null, null, null, null);
            StatusReporter reporter = new StatusReporter(store, "a");
            reporter.load();
            reporter.report(kept(List.of(e1)), Map.of(), Map.of(), Set.of());
            assertEquals(Map.of("e1", "programmed: null"), stored(store), "e1's replaced, the gone e2's removed");
        }
    }

    /**
     * An endpoint whose record is deleted and written again (an add killed once programmed, undone and redone by the next
     * add) in what one pass sees: same id, state and detail, but another record, whose add waits for a report of its
     * own ({@link EndpointStatus#isAbout}). Before session 70 the report was left as it was, naming nothing; a pass
     * that saw only the delete removed it, and an add that read it before that pass returned on it.
     */
    @Test
    void anEndpointRecordedAgainIsReportedAgainForItsNewRecord(@TempDir Path dir) throws Exception {
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            WorkloadEndpoint killed = new WorkloadEndpoint("a", null, "c1", "e1", "jc1", null, List.of(Cidr.parse("10.0.0.1/32")),
                    List.of(), List.of("p"), null, null, null, null).createdAt(1000);
            WorkloadEndpoint again = killed.createdAt(1040);
            StatusReporter reporter = new StatusReporter(store, "a");
            reporter.load();
            assertEquals(List.of(killed), reporter.report(kept(List.of(killed)), Map.of(), Map.of(), Set.of()));
            EndpointStatus first = store.get(EndpointStatus.class, "a", "e1").orElseThrow().resource();
            assertEquals(true, first.isAbout(killed), first.toString());

            assertEquals(List.of(again), reporter.report(kept(List.of(again)), Map.of(), Map.of(), Set.of()),
                    "programmed for the first time: a new record");
            EndpointStatus second = store.get(EndpointStatus.class, "a", "e1").orElseThrow().resource();
            assertEquals(true, second.isAbout(again), "the report names the record written again: " + second);
            assertEquals(false, second.isAbout(killed), second.toString());
        }
    }

    /** The local endpoints as the agent's loop keeps them, updated to ENDPOINTS. */
    private LocalEndpoints kept(List<WorkloadEndpoint> endpoints) {
        kept.update(endpoints, List.of());
        return kept;
    }

    /**
     * A report writes only what may have changed since the last; what the store holds after each report must be what a
     * report of every endpoint from nothing gives: each present endpoint not withheld as failed or programmed with its
     * note, a withheld one as it was, a gone one nothing. Random sequences of endpoints coming, going and changing,
     * failures, notes and withholdings, with updates no report saw (a pass that threw) and reloads (a relisting).
     */
    @Test
    void aStatusWrittenFromWhatChangedEqualsOneWrittenFromNothing(@TempDir Path dir) throws Exception {
        for (long seed = 1; seed <= 8; seed++) {
            Random random = new Random(seed);
            try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("s" + seed + ".db"))) {
                ResourceStore store = new ResourceStore(datastore);
                StatusReporter reporter = new StatusReporter(store, "a");
                reporter.load();
                LocalEndpoints local = new LocalEndpoints();
                List<WorkloadEndpoint> endpoints = new ArrayList<>();
                Map<String, String> expected = new TreeMap<>();
                for (int step = 0; step < 150; step++) {
                    endpoints = LocalEndpointsTest.changed(endpoints, random);
                    local.update(endpoints, List.of());
                    if (random.nextInt(12) == 0) {
                        continue; // a pass that threw before its report: the next report must look at everything
                    }
                    if (random.nextInt(15) == 0) {
                        reporter.load();
                    }
                    Map<String, String> failures = someOf(endpoints, random, 6, "refused ");
                    Map<String, String> notes = someOf(endpoints, random, 6, "not yet advertised ");
                    Set<String> withheld = someOf(endpoints, random, 8, "").keySet();
                    Map<String, String> before = new TreeMap<>(expected);
                    Set<String> present = new java.util.HashSet<>();
                    for (WorkloadEndpoint endpoint : endpoints) {
                        String id = endpoint.endpointId();
                        present.add(id);
                        if (!withheld.contains(id)) {
                            expected.put(id, failures.containsKey(id) ? "failed: " + failures.get(id)
                                    : "programmed: " + notes.get(id));
                        }
                    }
                    expected.keySet().retainAll(present);
                    Set<String> first = reporter.report(local, failures, notes, withheld).stream()
                            .map(WorkloadEndpoint::endpointId).collect(Collectors.toSet());
                    assertEquals(expected, stored(store), "seed " + seed + ", step " + step);
                    Set<String> firstExpected = expected.keySet().stream()
                            .filter(id -> !before.containsKey(id) && expected.get(id).startsWith("programmed")).collect(Collectors.toSet());
                    assertEquals(firstExpected, first, "seed " + seed + ", step " + step + ": programmed for the first time");
                }
            }
        }
    }

    /** About one in ONEIN of the endpoints, each with one of two reasons. */
    private static Map<String, String> someOf(List<WorkloadEndpoint> endpoints, Random random, int oneIn, String reason) {
        Map<String, String> some = new TreeMap<>();
        endpoints.forEach(endpoint -> {
            if (random.nextInt(oneIn) == 0) {
                some.put(endpoint.endpointId(), reason + random.nextInt(2));
            }
        });
        // now and then an id that is not a local endpoint's (calc's and the dataplane's maps may name one)
        if (random.nextInt(10) == 0) {
            some.put("e" + (30 + random.nextInt(3)), reason + "elsewhere");
        }
        return some;
    }

    private static Map<String, String> stored(ResourceStore store) {
        Map<String, String> out = new TreeMap<>();
        store.list(EndpointStatus.class, Keys.nodePrefix(EndpointStatus.class, "a")).forEach(status ->
                out.put(status.resource().endpointId(), status.resource().state() + ": " + status.resource().detail()));
        return out;
    }
}
