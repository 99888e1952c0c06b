package org.jcalico.e2e;

import static org.jcalico.e2e.Traffic.TCP6379;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.e2e.PodLab.PodSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Calico's own example policies, applied exactly as its documentation prints them (docs.tigera.io: "Get started with
 * Calico network policy", and the samples of the NetworkPolicy, GlobalNetworkPolicy and Tier references), and probes
 * showing they behave as documented. The pods are the ones the examples talk about: namespace production with a red
 * database, a blue frontend and a green pod; a namespace labelled shape=circle with a blue and a red pod; one labelled
 * shape=square with a blue pod. Every pod listens on TCP 6379 (the examples' port), TCP 80 and UDP 80.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CalicoDocsIT {
    private static final String DB = "production/db";
    private static final String FRONTEND = "production/fe";
    private static PodLab lab;

    @BeforeAll
    static void up() {
        Map<String, Map<String, String>> namespaces = new LinkedHashMap<>();
        namespaces.put("production", Map.of("kubernetes.io/metadata.name", "production"));
        namespaces.put("circle", Map.of("shape", "circle"));
        namespaces.put("square", Map.of("shape", "square"));
        lab = PodLab.up("jczc", namespaces, List.of(
                new PodSpec("production", "db", Map.of("color", "red", "role", "database")),
                new PodSpec("production", "fe", Map.of("color", "blue", "role", "frontend")),
                new PodSpec("production", "other", Map.of("color", "green")),
                new PodSpec("circle", "blue", Map.of("color", "blue")),
                new PodSpec("circle", "red", Map.of("color", "red")),
                new PodSpec("square", "blue", Map.of("color", "blue"))),
                List.of(TCP6379, Traffic.TCP80, Traffic.UDP80));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void removeThePolicies() {
        lab.reset();
        lab.assertReachability("after the case's resources were deleted", Reachability.allAllowed());
    }

    /** "Control traffic to/from endpoints in a namespace", first example. */
    private static final String ALLOW_TCP_6379 = """
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata:
              name: allow-tcp-6379
              namespace: production
            spec:
              selector: color == 'red'
              ingress:
                - action: Allow
                  protocol: TCP
                  source:
                    selector: color == 'blue'
                  destination:
                    ports:
                      - 6379
            """;

    /** The same, "also" from namespaces with shape == circle. */
    private static final String ALLOW_TCP_6379_CIRCLE = """
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata:
              name: allow-tcp-6379
              namespace: production
            spec:
              selector: color == 'red'
              ingress:
                - action: Allow
                  protocol: TCP
                  source:
                    selector: color == 'blue'
                    namespaceSelector: shape == 'circle'
                  destination:
                    ports:
                      - 6379
            """;

    /** "Control traffic to/from endpoints independent of namespace". */
    private static final String DENY_BLUE = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata:
              name: deny-blue
            spec:
              selector: color == 'red'
              ingress:
                - action: Deny
                  protocol: TCP
                  source:
                    selector: color == 'blue'
            """;

    private static final String DENY_CIRCLE_BLUE = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata:
              name: deny-circle-blue
            spec:
              selector: color == 'red'
              ingress:
                - action: Deny
                  protocol: TCP
                  source:
                    selector: color == 'blue'
                    namespaceSelector: shape == 'circle'
            """;

    /** "Control traffic to/from endpoints using IP addresses or CIDR ranges". */
    private static final String EGRESS_EXTERNAL = """
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata:
              name: allow-egress-external
              namespace: production
            spec:
              selector: color == 'red'
              types:
                - Egress
              egress:
                - action: Deny
                  destination:
                    nets:
                      - 1.2.3.0/24
            """;

    /** The NetworkPolicy reference's sample. */
    private static final String REFERENCE_NETWORK_POLICY = """
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata:
              name: allow-tcp-6379
              namespace: production
            spec:
              selector: role == 'database'
              types:
                - Ingress
                - Egress
              ingress:
                - action: Allow
                  metadata:
                    annotations:
                      from: frontend
                      to: database
                  protocol: TCP
                  source:
                    selector: role == 'frontend'
                  destination:
                    ports:
                      - 6379
              egress:
                - action: Allow
            """;

    /** The GlobalNetworkPolicy reference's sample (Calico Open Source). */
    private static final String REFERENCE_GLOBAL_NETWORK_POLICY = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata:
              name: allow-tcp-6379
            spec:
              selector: role == 'database'
              types:
                - Ingress
                - Egress
              ingress:
                - action: Allow
                  metadata:
                    annotations:
                      from: frontend
                      to: database
                  protocol: TCP
                  source:
                    selector: role == 'frontend'
                  destination:
                    ports:
                      - 6379
              egress:
                - action: Allow
            """;

    /** The Tier reference's sample and the tiered GlobalNetworkPolicy sample of the Calico Cloud reference. */
    private static final String REFERENCE_TIER = """
            apiVersion: projectcalico.org/v3
            kind: Tier
            metadata:
              name: internal-access
            spec:
              order: 100
              defaultAction: Deny
            """;

    private static final String REFERENCE_TIERED_POLICY = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata:
              name: internal-access.allow-tcp-6379
            spec:
              tier: internal-access
              selector: role == 'database'
              types:
                - Ingress
                - Egress
              ingress:
                - action: Allow
                  metadata:
                    annotations:
                      from: frontend
                      to: database
                  protocol: TCP
                  source:
                    selector: role == 'frontend'
                  destination:
                    ports:
                      - 6379
              egress:
                - action: Allow
            """;

    private static String all(String... documents) {
        return String.join("---\n", documents);
    }

    @Test
    @Order(1)
    void redAcceptsBlueOfItsNamespaceOnPort6379Only() {
        lab.apply(ALLOW_TCP_6379);
        // -> production/db (red): only production/fe (blue, same namespace) on TCP 6379; the other red pod, in
        // circle, is not in the policy's namespace and keeps accepting everything
        lab.assertReachability("allow-tcp-6379", Reachability.allAllowed().expectAllIngress(DB, false)
                .expect(FRONTEND, DB, true, TCP6379));
    }

    @Test
    @Order(2)
    void withANamespaceSelectorTheBlueSourcesAreThoseOfCircleNamespaces() {
        lab.apply(ALLOW_TCP_6379);
        lab.apply(ALLOW_TCP_6379_CIRCLE);
        // the rule's namespaceSelector sets the namespaces its selector looks in (the reference: "if not defined
        // then selectors apply to the NetworkPolicy's namespace"): only circle/blue on TCP 6379
        lab.assertReachability("allow-tcp-6379 updated with namespaceSelector", Reachability.allAllowed()
                .expectAllIngress(DB, false).expect("circle/blue", DB, true, TCP6379));
    }

    @Test
    @Order(3)
    void denyBlueComesBeforeTheNamespacedAllowByName() {
        lab.apply(all(ALLOW_TCP_6379, DENY_BLUE));
        // both in tier default without an order: by name, deny-blue before production/allow-tcp-6379, so TCP from
        // production/fe is denied; everything else to a red pod is dropped at the end of the tier (a red pod has a
        // policy now, and only what a policy allows passes)
        lab.assertReachability("deny-blue and allow-tcp-6379", Reachability.allAllowed()
                .expectAllIngress(DB, false).expectAllIngress("circle/red", false));
    }

    @Test
    @Order(4)
    void denyCircleBlueDeniesOnlyTheBlueOfCircleNamespaces() {
        lab.apply(all(ALLOW_TCP_6379, DENY_CIRCLE_BLUE));
        // production/fe is blue but its namespace has no shape: deny-circle-blue lets it go on to allow-tcp-6379
        lab.assertReachability("deny-circle-blue and allow-tcp-6379", Reachability.allAllowed()
                .expectAllIngress(DB, false).expect(FRONTEND, DB, true, TCP6379).expectAllIngress("circle/red", false));
    }

    @Test
    @Order(5)
    void anEgressPolicyWithOnlyADenyRuleIsolatesTheRedPodOfProduction() {
        lab.apply(EGRESS_EXTERNAL);
        // the page's text says "allowed", its YAML denies 1.2.3.0/24; either way the policy selects production's red
        // pod for egress and allows nothing, so all its egress is dropped; circle/red is not in production
        lab.assertReachability("allow-egress-external", Reachability.allAllowed().expectAllEgress(DB, false));
    }

    @Test
    @Order(6)
    void theReferenceSamplesAllowTheFrontendToTheDatabaseOn6379() {
        Reachability frontendOnly = Reachability.allAllowed().expectAllIngress(DB, false).expect(FRONTEND, DB, true, TCP6379);
        lab.apply(REFERENCE_NETWORK_POLICY);
        lab.assertReachability("NetworkPolicy reference sample", frontendOnly);
        lab.reset();
        lab.apply(REFERENCE_GLOBAL_NETWORK_POLICY);
        lab.assertReachability("GlobalNetworkPolicy reference sample", frontendOnly);
        lab.reset();
        lab.apply(all(REFERENCE_TIER, REFERENCE_TIERED_POLICY));
        lab.assertReachability("Tier reference sample with its tiered policy", frontendOnly);
    }
}
