package org.jcalico.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** The policies, profiles and ipsets the metrics count, from what the real calculation makes of a small cluster. */
class HostCountsTest {
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private static final Profile SHUT = new Profile("shut", List.of(), Map.of(), List.of(), List.of());

    private static WorkloadEndpoint endpoint(String node, String id, String ip, String profile, Map<String, String> labels) {
        return new WorkloadEndpoint(node, null, "c-" + id, id, "jc" + id, null, List.of(Cidr.parseHostOrNet(ip)),
                List.of(), List.of(profile), null, null, labels, List.of());
    }

    private static GlobalNetworkPolicy policy(String name, String selector) {
        return (GlobalNetworkPolicy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: %s}
                spec:
                  selector: %s
                  ingress: [{action: Allow, source: {selector: app == "db"}}]
                """.formatted(name, selector)).get(0);
    }

    @Test
    void countsWhatAppliesToLocalEndpointsOnly() {
        List<WorkloadEndpoint> endpoints = List.of(
                endpoint("h1", "a", "10.0.0.1", "open", Map.of("app", "web")),
                endpoint("h1", "b", "10.0.0.2", "open", Map.of("app", "web")),
                endpoint("h2", "c", "10.0.0.3", "shut", Map.of("app", "db")));
        Snapshot snapshot = Snapshot.of("h1", FelixConfiguration.DEFAULTS, endpoints, Map.of("open", OPEN, "shut", SHUT))
                .withPolicy(List.of(), List.of(policy("web", "app == 'web'"), policy("db", "app == 'db'"),
                        policy("nobody", "app == 'cache'")), List.of(), Map.of());
        HostState state = new HostStateCalculator().calculate(snapshot);

        HostCounts counts = HostCounts.of(state);

        assertEquals(1, counts.policies(), "only 'web' selects an endpoint of h1");
        assertEquals(1, counts.profiles(), "only 'open' is named by an endpoint of h1");
        assertEquals(state.ipSets().size(), counts.ipSets());
        assertEquals(state.ipSets().values().stream().mapToLong(set -> set.members().size()).sum(), counts.ipSetMembers());
        assertEquals(true, counts.ipSetMembers() >= 1, "the db selector's set holds 10.0.0.3: " + state.ipSets());
    }
}
