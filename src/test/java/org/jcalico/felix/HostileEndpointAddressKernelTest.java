package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Keys;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.WorkloadHost;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Another node's endpoint record claiming every address (0.0.0.0/0, written by hand) opens nothing ("jct-ha-"
 * namespaces): w1 (app=db) takes in only role=web, w2 has no role; the record of h2's endpoint has role=web. Obeyed,
 * as until session 50, its net joined role=web's set and w2 (and everyone) reached w1. Now such a net is refused
 * as the record decodes: the record is unreadable, named in the status, and an Allow by selector only allows less.
 */
@Tag("kernel")
class HostileEndpointAddressKernelTest {
    private static final String PREFIX = TestNamespaces.named("jct-ha-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aRemoteRecordClaimingEveryAddressOpensNothing(DataplaneDriver driver) {
        KernelTests.assumeKernel();
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            ClusterCache cache = cache(driver, hostile("10.70.0.9/32"));
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(WorkloadHost.blocked(w2, 1), "w2 has no role=web: w1 keeps it out");

            cache = cache(driver, hostile("0.0.0.0/0"));
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(WorkloadHost.blocked(w2, 1), "w2 reached w1 through h2's record claiming 0.0.0.0/0 (" + driver + ")");
            String problem = cache.unreadableProblem();
            assertNotNull(problem, "the record is named in the status");
            assertTrue(problem.contains(Keys.key(endpoint("h2", 9, "10.70.0.9/32", Map.of()))), problem);
            assertTrue(problem.contains("0.0.0.0/0") && problem.contains("overlaps"), problem);
        }
    }

    /** What the agent's cache makes of the records, HOSTILE among them, for host h1 on DRIVER. */
    private static ClusterCache cache(DataplaneDriver driver, ClusterCache.Decoded hostile) {
        List<ClusterCache.Decoded> records = new ArrayList<>(ListedRecords.of(List.of(OPEN,
                FelixConfiguration.DEFAULTS.withDataplaneDriver(driver), endpoint("h1", 1, "10.65.0.1/32",
                        Map.of("app", "db")), endpoint("h1", 2, "10.65.0.2/32", Map.of())), """
                kind: GlobalNetworkPolicy
                metadata: {name: db}
                spec:
                  selector: app == "db"
                  types: [Ingress]
                  ingress: [{action: Allow, source: {selector: role == "web"}}]
                """));
        records.add(hostile);
        ClusterCache cache = new ClusterCache("h1");
        cache.replaceAll(records, new ArrayList<>());
        return cache;
    }

    /** h2's endpoint with role=web, its record as written by hand with NET as its address. */
    private static ClusterCache.Decoded hostile(String net) {
        WorkloadEndpoint decoy = endpoint("h2", 9, "10.70.0.9/32", Map.of("role", "web"));
        return ClusterCache.decode(Keys.key(decoy), ResourceCodec.toJson(decoy).replace("10.70.0.9/32", net));
    }

    private static WorkloadEndpoint endpoint(String node, int number, String net, Map<String, String> labels) {
        return new WorkloadEndpoint(node, null, "c" + number, "w" + number, "jcw" + number, null,
                List.of(Cidr.parse(net)), List.of(), List.of("open"), null, null, labels, null);
    }
}
