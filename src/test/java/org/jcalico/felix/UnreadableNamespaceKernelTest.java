package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Keys;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.WorkloadHost;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.Namespace;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A Deny by namespaceSelector holds while the sender's namespace record cannot be read ("jcua-un-" namespaces): w1
 * (namespace q) pings w2 (namespace shop, app=web), whose ingress policy denies namespaces labelled quarantine=yes.
 * From what the datastore holds, through the agent's cache (ClusterCache, as a listing hands it records), calc and the
 * dataplane: q readable without the label, the ping passes; with it, the Deny holds; q's record unreadable (written by
 * hand, never read), the Deny must hold too, since q may carry the label (docs/policy.md, "Session 48 (k-unknown)").
 */
@Tag("kernel")
class UnreadableNamespaceKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcua-un-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));

    @Test
    void aDenyByNamespaceHoldsWhileTheNamespaceCannotBeRead() {
        KernelTests.assumeKernel();
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            CommandRunner w1 = lab.workload(1);
            lab.workload(2);
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            String q = Keys.keyOf(Namespace.class, "q");

            assertEquals(Map.of(), dataplane.apply(state(q, ResourceCodec.toJson(new Namespace("q", Map.of())))).failures());
            assertTrue(WorkloadHost.pings(w1, 2), "q without the label: the ping passes");
            assertEquals(Map.of(), dataplane.apply(state(q, ResourceCodec.toJson(
                    new Namespace("q", Map.of("quarantine", "yes"))))).failures());
            assertTrue(WorkloadHost.blocked(w1, 2), "q labelled quarantine=yes: the Deny holds");

            HostState unread = state(q, "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"q\",\"labels\":");
            assertEquals(Map.of(), dataplane.apply(unread).failures());
            assertTrue(WorkloadHost.blocked(w1, 2), "q's record unreadable: the Deny holds all the same");
            assertTrue(unread.failedClosed().getOrDefault("w2", "").contains(q), "w2's status names the record: "
                    + unread.failedClosed());
        }
    }

    /** What calc makes of the datastore's records, Q's value under Q's key among them, for host h1. */
    private static HostState state(String qKey, String qValue) {
        List<ClusterCache.Decoded> records = ListedRecords.of(List.of(OPEN, new Namespace("shop", Map.of()),
                endpoint(1, "q", Map.of()), endpoint(2, "shop", Map.of("app", "web"))), """
                kind: GlobalNetworkPolicy
                metadata: {name: quarantine}
                spec:
                  selector: app == "web"
                  types: [Ingress]
                  ingress: [{action: Deny, source: {namespaceSelector: quarantine == "yes"}}, {action: Allow}]
                """);
        records.add(ClusterCache.decode(qKey, qValue));
        ClusterCache cache = new ClusterCache("h1");
        cache.replaceAll(records, new ArrayList<>());
        return new HostStateCalculator().calculate(cache.snapshot());
    }

    private static WorkloadEndpoint endpoint(int number, String namespace, Map<String, String> labels) {
        return new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of("open"), null, namespace, labels,
                null);
    }
}
