package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.jcalico.testing.WebAndDb.OPEN;
import static org.jcalico.testing.WebAndDb.endpoint;
import static org.jcalico.testing.WebAndDb.endpoints;
import static org.jcalico.testing.WebAndDb.policies;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Policy;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * A profile chain used by endpoints whose policies change at different times is held by equal chain objects of
 * different calculations: it stays as long as any endpoint uses it (a kept calculator once dropped it when the first
 * generation's last user went, though the second's still jumped to it, and nft refused the delete: EBUSY).
 */
class SharedChainCountTest {

    @Test
    void aSharedChainStaysWhileAnyEndpointUsesIt() {
        HostStateCalculator kept = new HostStateCalculator();
        List<WorkloadEndpoint> endpoints = endpoints(6);
        List<Policy> policies = new ArrayList<>(policies("""
                kind: GlobalNetworkPolicy
                metadata: {name: web-in}
                spec:
                  selector: app == "web"
                  ingress: [{action: Allow, protocol: TCP, source: {selector: app == "db"}}]
                """));
        List<LabelledNets> sets = new ArrayList<>();
        same(kept, endpoints, policies, sets);
        endpoints.add(endpoint(7, "db"));
        same(kept, endpoints, policies, sets);
        sets.add((LabelledNets) ResourceCodec.decodeAll("""
                kind: GlobalNetworkSet
                metadata: {name: outside, labels: {app: db}}
                spec: {nets: [10.65.0.0/28]}
                """).get(0));
        same(kept, endpoints, policies, sets);
        endpoints.remove(0);
        same(kept, endpoints, policies, sets);
        policies.add(policies("""
                kind: GlobalNetworkPolicy
                metadata: {name: db-out}
                spec: {selector: app == "db", egress: [{action: Pass}], types: [Egress]}
                """).get(0));
        same(kept, endpoints, policies, sets);
        policies.remove(0);
        same(kept, endpoints, policies, sets);
    }

    private static void same(HostStateCalculator kept, List<WorkloadEndpoint> endpoints, List<Policy> policies,
            List<LabelledNets> sets) {
        Snapshot snapshot = Snapshot.of("h1", FelixConfiguration.DEFAULTS, List.copyOf(endpoints), Map.of("open", OPEN))
                .withPolicy(List.of(), List.copyOf(policies), List.copyOf(sets), Map.of());
        assertEquals(new HostStateCalculator().calculate(snapshot), kept.calculate(snapshot));
    }
}
