package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Namespaces, labels and named ports on endpoints, Namespace resources and profiles' labelsToApply. */
class EndpointLabelsModelTest {
    private static WorkloadEndpoint endpoint(String namespace, Map<String, String> labels, List<EndpointPort> ports) {
        return new WorkloadEndpoint("h1", null, "c1", "ep1", "jcep1", null, List.of(Cidr.parse("10.65.0.1/32")),
                List.of(), List.of("web"), null, namespace, labels, ports);
    }

    @Test
    void labelKeysAndValuesFollowKubernetesRules() {
        for (String key : List.of("app", "a", "A-b_c.d", "x".repeat(63), "example.com/app", "k8s.io/a",
                "projectcalico.org/namespace", "a-b.c/Z_9", "a".repeat(63) + "." + "b".repeat(63) + "/x", "a".repeat(100) + ".io/x")) {
            assertEquals(key, LabelRules.checkKey("labels", key), key);
        }
        for (String key : List.of("", "-a", "a-", "_a", ".a", "a.", "x".repeat(64), "a b", "a/b/c", "/a", "a/",
                "Example.com/a", "ex_ample.com/a", "-ex.com/a", "ex..com/a", "é", "a\nb", ("a".repeat(63) + ".").repeat(4) + "a/b")) {
            assertThrows(ValidationException.class, () -> LabelRules.checkKey("labels", key), key);
        }
        for (String value : List.of("", "web", "V1.2_3-x", "z".repeat(63))) {
            assertEquals(value, LabelRules.checkValue("labels.a", value), value);
        }
        for (String value : List.of(" ", "-x", "x-", "a b", "a/b", "z".repeat(64), "x\u202e", "é")) {
            assertThrows(ValidationException.class, () -> LabelRules.checkValue("labels.a", value), value);
        }
        assertEquals("labels: 'a b' is not a valid label key (an optional DNS-subdomain prefix and '/', then 1-63 "
                        + "characters: letters, digits, '-', '_', '.', a letter or digit at both ends)",
                assertThrows(ValidationException.class, () -> endpoint(null, Map.of("a b", "x"), null)).getMessage());
        assertEquals("labels.app: 'a b' is not a valid label value (empty, or up to 63 characters: letters, digits,"
                        + " '-', '_', '.', a letter or digit at both ends)",
                assertThrows(ValidationException.class, () -> endpoint(null, Map.of("app", "a b"), null)).getMessage());
    }

    @Test
    void namespacesAreLowerCaseDnsLabelsAndDefaultToDefault() {
        assertEquals("default", endpoint(null, null, null).namespace());
        assertEquals("default", endpoint("", null, null).namespace());
        assertEquals("kube-system", endpoint("kube-system", null, null).namespace());
        for (String bad : List.of("Web", "-a", "a-", "a.b", "a_b", "a".repeat(64), " ")) {
            assertThrows(ValidationException.class, () -> endpoint(bad, null, null), bad);
            assertThrows(ValidationException.class, () -> new Namespace(bad, null), bad);
        }
        assertEquals("namespace: 'Web' is not a valid namespace name (up to 63 lower-case letters, digits and '-',"
                + " a letter or digit at both ends)", assertThrows(ValidationException.class, () -> endpoint("Web", null, null)).getMessage());
    }

    @Test
    void portsAreNamedOncePerProtocol() {
        assertEquals(new EndpointPort("http", Protocol.parse("tcp"), 8080), EndpointPort.parse("http=TCP/8080"));
        assertEquals(new EndpointPort("dns-1", Protocol.parse("udp"), 53), EndpointPort.parse("dns-1=17/53"));
        assertEquals("http=sctp/1", EndpointPort.parse("http=sctp/1").toString());
        for (String bad : List.of("http", "http=tcp", "http=tcp/", "http=tcp/0", "http=tcp/65536", "http=tcp/99999999999",
                "http=icmp/80", "http=x/80", "Http=tcp/80", "80=tcp/80", "-http=tcp/80", "a--b=tcp/80",
                "abcdefghijklmnop=tcp/80", "=tcp/80", "http=tcp/+80", "http=tcp/٨٠")) {
            assertThrows(ValidationException.class, () -> EndpointPort.parse(bad), bad);
        }
        List<EndpointPort> both = List.of(EndpointPort.parse("dns=udp/53"), EndpointPort.parse("dns=tcp/53"));
        assertEquals(both, endpoint(null, null, both).ports());
        assertEquals("ports: 'http' is declared twice for tcp", assertThrows(ValidationException.class, () -> endpoint(null,
                null, List.of(EndpointPort.parse("http=tcp/80"), EndpointPort.parse("http=tcp/81")))).getMessage());
    }

    @Test
    void allFieldsRoundTripThroughJsonAndYamlAndEmptyValuesSurvive() {
        List<Resource> all = List.of(
                endpoint("team-a", Map.of("app", "web", "example.com/canary", ""), List.of(EndpointPort.parse("http=tcp/8080"))),
                new Namespace("team-a", Map.of("env", "prod", "quiet", "")),
                new Profile("web", List.of("web"), Map.of("stage", "", "example.com/team", "red"), null, null));
        for (Resource resource : all) {
            assertEquals(resource, StoredForm.fromJson(ResourceCodec.toJson(resource)), resource.kind());
        }
        assertEquals(all, ResourceCodec.decodeAll(ResourceCodec.toYaml(all)));
        assertEquals("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    env: prod\n    quiet: \"\"\n",
                ResourceCodec.toYaml(List.of(all.get(1))));
    }

    @Test
    void recordsStoredBeforeTheFieldsExistedReadAsTheDefaults() {
        String old = "{\"kind\":\"WorkloadEndpoint\",\"node\":\"h1\",\"orchestrator\":\"jcalico\",\"containerId\":\"c1\","
                + "\"endpointId\":\"ep1\",\"interfaceName\":\"jcep1\",\"ipv4Nets\":[\"10.65.0.1/32\"],\"profileIds\":[\"web\"],"
                + "\"state\":\"active\"}";
        WorkloadEndpoint endpoint = (WorkloadEndpoint) StoredForm.fromJson(old);
        assertEquals("default", endpoint.namespace());
        assertEquals(Map.of(), endpoint.labels());
        assertEquals(List.of(), endpoint.ports());
        assertEquals(Map.of(), ((Namespace) ResourceCodec.decodeAll("kind: Namespace\nname: ns1\n").get(0)).labels());
    }

    @Test
    void profileLabelsToApplyFollowTheSameRules() {
        assertEquals(Map.of("example.com/team", "red"), new Profile("p", null, Map.of("example.com/team", "red"), null, null).labels());
        assertEquals("resource 1 (Profile): labels.stage: 'any text' is not a valid label value (empty, or up to 63"
                        + " characters: letters, digits, '-', '_', '.', a letter or digit at both ends)",
                assertThrows(ValidationException.class, () -> ResourceCodec.decodeAll(
                        "kind: Profile\nname: p\nlabels: {stage: any text}\n")).getMessage());
    }

    @Test
    void namespaceIsAKindUsersCanName() {
        assertEquals("Namespace", Kinds.resolve("namespaces").orElseThrow());
        assertEquals("Namespace", Kinds.resolve("ns").orElseThrow());
    }
}
