package org.jcalico.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.jcalico.model.KubernetesNetworkPolicy;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.StoredForm;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes NetworkPolicy as Calico translates it (libcalico-go lib/backend/k8s/conversion), over the shapes of
 * Kubernetes' network-policy e2e suite (test/e2e/network/netpol). Each expectation is written as the Calico v3
 * NetworkPolicy it must equal, so a reader can check it against Calico's own output.
 */
class KubernetesPoliciesTest {
    private static final String K8S = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n";
    private static final String CALICO = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\n";
    /** What a peer's pod selector carries, so that it matches endpoints and never network sets. */
    private static final String POD = "has(projectcalico.org/orchestrator)";

    @Test
    void denyAllIngressSelectsEveryPodOfTheNamespaceAndAllowsNothing() {
        assertTranslates("""
                metadata: {name: deny-all, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                """, """
                metadata: {name: knp.default.deny-all, namespace: x}
                spec: {tier: default, order: 1000, selector: all(), types: [Ingress]}
                """);
    }

    @Test
    void policyTypesAbsentAreIngressPlusEgressWhenThereAreEgressRules() {
        assertTranslates("""
                metadata: {name: p, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                """, """
                metadata: {name: knp.default.p, namespace: x}
                spec: {tier: default, order: 1000, selector: pod == "a", types: [Ingress]}
                """);
        assertTranslates("""
                metadata: {name: p, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  egress: [{}]
                """, """
                metadata: {name: knp.default.p, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: pod == "a"
                  types: [Ingress, Egress]
                  egress: [{action: Allow}]
                """);
    }

    @Test
    void egressOnlyWithoutRulesDeniesAllEgress() {
        assertTranslates("""
                metadata: {name: deny-egress, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                """, """
                metadata: {name: knp.default.deny-egress, namespace: x}
                spec: {tier: default, order: 1000, selector: all(), types: [Egress]}
                """);
    }

    @Test
    void allowFromNamespaceSelectorSelectsEveryPodOfThoseNamespaces() {
        assertTranslates("""
                metadata: {name: from-y, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                """, """
                metadata: {name: knp.default.from-y, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: pod == "a"
                  types: [Ingress]
                  ingress:
                  - action: Allow
                    source: {selector: %s, namespaceSelector: ns == "y"}
                """.formatted(POD));
    }

    @Test
    void podAndNamespaceSelectorInOnePeerAreAndedInTwoPeersOred() {
        assertTranslates("""
                metadata: {name: both, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                      podSelector: {matchLabels: {pod: b}}
                """, """
                metadata: {name: knp.default.both, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: all()
                  types: [Ingress]
                  ingress:
                  - action: Allow
                    source: {selector: %s && pod == "b", namespaceSelector: ns == "y"}
                """.formatted(POD));
        assertTranslates("""
                metadata: {name: either, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                    - podSelector: {matchLabels: {pod: b}}
                """, """
                metadata: {name: knp.default.either, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: all()
                  types: [Ingress]
                  ingress:
                  - action: Allow
                    source: {selector: %1$s, namespaceSelector: ns == "y"}
                  - action: Allow
                    source: {selector: %1$s && pod == "b"}
                """.formatted(POD));
    }

    @Test
    void emptyNamespaceSelectorIsEveryNamespace() {
        assertTranslates("""
                metadata: {name: all-ns, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - from:
                    - namespaceSelector: {}
                """, """
                metadata: {name: knp.default.all-ns, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: all()
                  types: [Ingress]
                  ingress:
                  - action: Allow
                    source: {selector: %s, namespaceSelector: all()}
                """.formatted(POD));
    }

    @Test
    void matchExpressionsBecomeCalicoSelectorOperators() {
        assertTranslates("""
                metadata: {name: exprs, namespace: x}
                spec:
                  podSelector:
                    matchLabels: {app: web}
                    matchExpressions:
                    - {key: tier, operator: In, values: [a, b]}
                    - {key: env, operator: NotIn, values: [dev]}
                    - {key: team, operator: Exists}
                    - {key: legacy, operator: DoesNotExist}
                """, """
                metadata: {name: knp.default.exprs, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: app == "web" && tier in {"a", "b"} && env not in {"dev"} && has(team) && !has(legacy)
                  types: [Ingress]
                """);
    }

    @Test
    void ipBlockWithExceptBecomesNetsAndNotNets() {
        assertTranslates("""
                metadata: {name: cidr, namespace: x}
                spec:
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.0.0/16]}
                """, """
                metadata: {name: knp.default.cidr, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: all()
                  types: [Egress]
                  egress:
                  - action: Allow
                    destination: {nets: [10.0.0.0/8], notNets: [10.1.0.0/16, 10.2.0.0/16]}
                """);
    }

    @Test
    void portsDefaultToTcpMergePerProtocolAndKeepNamesAndEndPortRanges() {
        assertTranslates("""
                metadata: {name: ports, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - ports:
                    - port: 80
                    - {protocol: TCP, port: 81}
                    - port: serve-82
                    - {protocol: UDP, port: 8000, endPort: 8080}
                    - {protocol: SCTP}
                    from:
                    - podSelector: {}
                """, """
                metadata: {name: knp.default.ports, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: all()
                  types: [Ingress]
                  ingress:
                  - action: Allow
                    protocol: SCTP
                    source: {selector: %1$s}
                  - action: Allow
                    protocol: TCP
                    source: {selector: %1$s}
                    destination: {ports: ["80:81", serve-82]}
                  - action: Allow
                    protocol: UDP
                    source: {selector: %1$s}
                    destination: {ports: ["8000:8080"]}
                """.formatted(POD));
    }

    @Test
    void egressToANamespaceOnOnePort() {
        assertTranslates("""
                metadata: {name: to-y, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - namespaceSelector: {matchLabels: {ns: y}}
                    ports:
                    - {protocol: UDP, port: 53}
                """, """
                metadata: {name: knp.default.to-y, namespace: x}
                spec:
                  tier: default
                  order: 1000
                  selector: pod == "a"
                  types: [Egress]
                  egress:
                  - action: Allow
                    protocol: UDP
                    destination: {selector: %s, namespaceSelector: ns == "y", ports: [53]}
                """.formatted(POD));
    }

    @Test
    void portsBeyondOneMultiportMatchSplitIntoRules() {
        StringBuilder ports = new StringBuilder();
        for (int port = 1000; port < 1040; port += 2) {
            ports.append("    - port: ").append(port).append('\n');
        }
        NetworkPolicy policy = translate("""
                metadata: {name: many, namespace: x}
                spec:
                  podSelector: {}
                  ingress:
                  - ports:
                %s""".formatted(ports));
        assertEquals(2, policy.spec().ingress().size());
        assertEquals(15, policy.spec().ingress().get(0).destination().ports().ranges().size());
        assertEquals(5, policy.spec().ingress().get(1).destination().ports().ranges().size());
    }

    @Test
    void theStoredPolicyPrintsBackInKubernetesApi() {
        String written = K8S + """
                metadata:
                  name: web
                  namespace: prod
                spec:
                  podSelector:
                    matchLabels:
                      app: web
                  policyTypes:
                  - Ingress
                  ingress:
                  - from:
                    - ipBlock:
                        cidr: 10.0.0.0/8
                        except:
                        - 10.1.0.0/16
                    ports:
                    - protocol: TCP
                      port: 8000
                      endPort: 8080
                    - port: http
                """;
        var resources = ResourceCodec.decodeAll(written);
        assertEquals(KubernetesNetworkPolicy.class, resources.get(0).getClass());
        assertEquals(written, ResourceCodec.toYaml(resources));
        assertEquals(resources, ResourceCodec.decodeAll(ResourceCodec.toPrettyJson(resources, true)));
        assertEquals(resources.get(0), StoredForm.fromJson(ResourceCodec.toJson(resources.get(0))));
    }

    @Test
    void whatKubernetesRefusesIsRefused() {
        assertRefused("resource 1 (NetworkPolicy): spec.ingress[0].from[0].ipBlock: may not be combined with podSelector"
                + " or namespaceSelector in one peer", """
                metadata: {name: p}
                spec:
                  ingress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]
                """);
        assertRefused("resource 1 (NetworkPolicy): spec.ingress[0].from[0].ipBlock.except: '10.0.0.0/8' is not strictly"
                + " inside 10.0.0.0/8", """
                metadata: {name: p}
                spec:
                  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]
                """);
        assertRefused("resource 1 (NetworkPolicy): spec.ingress[0].ports[0].endPort: '90' needs a numeric port", """
                metadata: {name: p}
                spec:
                  ingress: [{ports: [{port: http, endPort: 90}]}]
                """);
        assertRefused("resource 1 (NetworkPolicy): spec.ingress[0].ports[0].endPort: '79' is not in 80-65535", """
                metadata: {name: p}
                spec:
                  ingress: [{ports: [{port: 80, endPort: 79}]}]
                """);
        assertRefused("resource 1 (NetworkPolicy): spec.egress[0].ports[0].protocol: 'ICMP' is not TCP, UDP or SCTP", """
                metadata: {name: p}
                spec:
                  egress: [{ports: [{protocol: ICMP}]}]
                """);
        assertRefused("resource 1 (NetworkPolicy): spec.podSelector.matchExpressions[0].values: must be empty for operator"
                + " Exists", """
                metadata: {name: p}
                spec:
                  podSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}
                """);
        assertRefused("resource 1 (NetworkPolicy): spec.podSelector.matchExpressions[0].operator: 'Gt' is not In, NotIn,"
                + " Exists or DoesNotExist", """
                metadata: {name: p}
                spec:
                  podSelector: {matchExpressions: [{key: a, operator: Gt, values: ["1"]}]}
                """);
        assertRefused("resource 1 (NetworkPolicy): spec.ingress[0].from[0]: must give podSelector, namespaceSelector"
                + " or ipBlock", """
                metadata: {name: p}
                spec:
                  ingress: [{from: [{}]}]
                """);
        assertRefused("resource 1 (NetworkPolicy): metadata.name: '" + "a".repeat(52) + "' is longer than 51 characters"
                + " (its Calico policy is named knp.default.NAME, at most 63)", """
                metadata: {name: %s}
                """.formatted("a".repeat(52)));
    }

    @Test
    void withoutItsApiVersionItIsToldApartFromCalicos() {
        assertEquals("resource 1 (NetworkPolicy): apiVersion: missing (a Kubernetes NetworkPolicy needs apiVersion:"
                + " networking.k8s.io/v1)", assertThrows(ValidationException.class, () -> ResourceCodec.decodeAll(
                "kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n")).getMessage());
    }

    private static void assertRefused(String message, String k8s) {
        assertEquals(message, assertThrows(ValidationException.class, () -> ResourceCodec.decodeAll(K8S + k8s)).getMessage());
    }

    private static NetworkPolicy translate(String k8s) {
        return KubernetesPolicies.toCalico((KubernetesNetworkPolicy) ResourceCodec.decodeAll(K8S + k8s).get(0));
    }

    private static void assertTranslates(String k8s, String calico) {
        NetworkPolicy expected = (NetworkPolicy) ResourceCodec.decodeAll(CALICO + calico).get(0);
        NetworkPolicy actual = translate(k8s);
        assertEquals(expected, actual, () -> ResourceCodec.toYaml(List.of(actual)));
    }
}
