package org.jcalico.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.jcalico.model.Cidr;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.Metadata;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.NetworkSetSpec;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

class EndpointLabelsTest {
    private static WorkloadEndpoint endpoint(String namespace, Map<String, String> labels, String... profiles) {
        return new WorkloadEndpoint("h1", "docker", "c1", "ep1", "jcep1", null, List.of(Cidr.parse("10.65.0.1/32")),
                List.of(), List.of(profiles), null, namespace, labels, null);
    }

    private static Profile profile(String name, Map<String, String> labelsToApply) {
        return new Profile(name, null, labelsToApply, null, null);
    }

    @Test
    void anEndpointAloneSeesItsLabelsItsNamespaceAndItsOrchestrator() {
        assertEquals(Map.of("app", "web", "projectcalico.org/namespace", "default",
                        "projectcalico.org/orchestrator", "docker", "pcns.projectcalico.org/name", "default"),
                EndpointLabels.effective(endpoint(null, Map.of("app", "web")), Map.of(), Map.of()));
    }

    @Test
    void theFirstProfileThatHasAKeyDecidesAndTheEndpointsOwnLabelsWin() {
        Map<String, Profile> profiles = Map.of(
                "p1", profile("p1", Map.of("stage", "dev", "team", "a")),
                "p2", profile("p2", Map.of("stage", "prod", "team", "b", "cost", "x")));
        var labels = EndpointLabels.effective(endpoint("ns1", Map.of("team", "own"), "p1", "p2"), profiles, Map.of());
        assertEquals("dev", labels.get("stage"));
        assertEquals("own", labels.get("team"));
        assertEquals("x", labels.get("cost"));
        var reversed = EndpointLabels.effective(endpoint("ns1", Map.of(), "p2", "p1"), profiles, Map.of());
        assertEquals("prod", reversed.get("stage"));
        assertEquals("b", reversed.get("team"));
    }

    @Test
    void theNamespacesLabelsArriveUnderPcnsBeforeAnyProfile() {
        Map<String, Namespace> namespaces = Map.of(
                "ns1", new Namespace("ns1", Map.of("env", "prod", "example.com/team", "red", "projectcalico.org/name", "fake")),
                "ns2", new Namespace("ns2", Map.of("env", "dev")));
        Map<String, Profile> profiles = Map.of("p1", profile("p1", Map.of("pcns.env", "from-profile", "pcns.extra", "y")));
        var labels = EndpointLabels.effective(endpoint("ns1", Map.of("env", "own"), "p1"), profiles, namespaces);
        assertEquals("prod", labels.get("pcns.env"));
        assertEquals("red", labels.get("pcns.example.com/team"));
        assertEquals("ns1", labels.get("pcns.projectcalico.org/name"));
        assertEquals("y", labels.get("pcns.extra"));
        assertEquals("own", labels.get("env"), "a namespace label is not an endpoint label");
        assertEquals("ns1", labels.get("projectcalico.org/namespace"));
    }

    @Test
    void profilesAndNamespacesNotKnownContributeNothingButTheName() {
        var labels = EndpointLabels.effective(endpoint("ns9", Map.of(), "missing"), Map.of(), Map.of());
        assertEquals(Map.of("projectcalico.org/namespace", "ns9", "projectcalico.org/orchestrator", "docker",
                "pcns.projectcalico.org/name", "ns9"), labels);
    }

    @Test
    void aNetworkSetSeesItsLabelsItsNamespaceAndItsNamespacesLabels() {
        NetworkSet set = new NetworkSet(new Metadata("db", "ns1", Map.of("role", "db", "env", "own"), null),
                new NetworkSetSpec(List.of(Cidr.parse("192.0.2.0/24"))));
        Map<String, Namespace> namespaces = Map.of("ns1", new Namespace("ns1", Map.of("env", "prod")));
        assertEquals(Map.of("role", "db", "env", "own", "projectcalico.org/namespace", "ns1", "pcns.env", "prod",
                "pcns.projectcalico.org/name", "ns1"), EndpointLabels.forNetworkSet(set, namespaces));
    }

    @Test
    void aGlobalNetworkSetSeesOnlyItsOwnLabels() {
        GlobalNetworkSet set = new GlobalNetworkSet(new Metadata("ext", null, Map.of("role", "ext"), null), null);
        assertEquals(Map.of("role", "ext"), EndpointLabels.forNetworkSet(set,
                Map.of("default", new Namespace("default", Map.of("env", "prod")))));
    }
}
