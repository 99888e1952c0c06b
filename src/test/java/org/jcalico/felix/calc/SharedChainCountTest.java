package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * A profile chain used by endpoints whose policies change at different times is held by equal chain objects of
 * different calculations: it stays as long as any endpoint uses it (a kept calculator once dropped it when the first
 * generation's last user went, though the second's still jumped to it, and nft refused the delete: EBUSY).
 */
class SharedChainCountTest {
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));

    @Test
    void aSharedChainStaysWhileAnyEndpointUsesIt() {
        HostStateCalculator kept = new HostStateCalculator();
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            endpoints.add(endpoint(i, i % 2 == 0 ? "web" : "db"));
        }
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

    private static WorkloadEndpoint endpoint(int number, String app) {
        return new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(Cidr.parse("fd65::" + number + "/128")),
                List.of("open"), null, null, Map.of("app", app), null);
    }

    private static List<Policy> policies(String yaml) {
        return ResourceCodec.decodeAll(yaml).stream().map(Policy.class::cast).toList();
    }
}
