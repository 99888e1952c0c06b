package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

/**
 * A pass's status on a real etcd, which refuses a transaction of more than 128 operations: a host with hundreds of
 * endpoints (an agent's start, a policy refused for all of them, all removed at once) must still report every one.
 */
class StatusReporterTest {
    private static final int ENDPOINTS = 300;

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

            assertEquals(ENDPOINTS - failures.size(), reporter.report(local, failures, Map.of(), Set.of()).size(), "programmed for the first time");
            Map<String, String> expected = new TreeMap<>();
            local.forEach(endpoint -> expected.put(endpoint.endpointId(), failures.containsKey(endpoint.endpointId())
                    ? "failed: refused" : "programmed: null"));
            assertEquals(expected, stored(store));

            // every endpoint fails at once (a refused shared chain), then all are removed at once
            Map<String, String> all = local.stream().collect(Collectors.toMap(WorkloadEndpoint::endpointId, e -> "refused"));
            assertEquals(List.of(), reporter.report(local, all, Map.of(), Set.of()));
            expected.replaceAll((id, status) -> "failed: refused");
            assertEquals(expected, stored(store));
            reporter.report(List.of(), Map.of(), Map.of(), Set.of());
            assertEquals(Map.of(), stored(store));

            // what the reporter remembers matches the store: a fresh reporter and this one agree on the next pass
            reporter.report(local.subList(0, 200), Map.of(), Map.of(), Set.of());
            StatusReporter restarted = new StatusReporter(store, "a");
            restarted.load();
            assertEquals(List.of(), restarted.report(local.subList(0, 200), Map.of(), Map.of(), Set.of()), "nothing new after a restart");
            assertEquals(200, stored(store).size());
        }
    }

    private static Map<String, String> stored(ResourceStore store) {
        Map<String, String> out = new TreeMap<>();
        store.list(EndpointStatus.class, Keys.nodePrefix(EndpointStatus.class, "a")).forEach(status ->
                out.put(status.resource().endpointId(), status.resource().state() + ": " + status.resource().detail()));
        return out;
    }
}
