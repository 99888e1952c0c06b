package org.jcalico.e2e;

import static org.jcalico.e2e.Traffic.TCP80;
import static org.jcalico.e2e.Traffic.TCP81;
import static org.jcalico.e2e.Traffic.UDP80;

import org.jcalico.lab.LabLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cases of Kubernetes' network-policy e2e suite (test/e2e/network/netpol), each a Kubernetes
 * networking.k8s.io/v1 NetworkPolicy applied with `jcalico apply -f`, checked as a truth table over all 72 ordered
 * pairs of the 9 pods (x, y, z times a, b, c on two hosts) by TCP to ports 80 and 81 and UDP to port 80, in both
 * address families: 432 probes per table. The expected tables are written by hand from the suite's expectations
 * (its reachability for the pods it uses, extended to all nine by the policy's meaning), never computed by jcalico.
 * Where the suite probes a subset of pods or one port, the table here covers all of them.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetpolE2eIT {
    @RegisterExtension
    static final SharedNetpolLab SHARED = new SharedNetpolLab();
    private static PodLab lab;

    @BeforeAll
    static void up() {
        lab = SHARED.lab();
    }

    @AfterEach
    void removeThePolicies() {
        lab.reset();
        lab.assertReachability("after the case's policies were deleted", Reachability.allAllowed());
    }

    /** A Kubernetes NetworkPolicy; {@code spec} is its spec's YAML, indented by two spaces. */
    static String np(String namespace, String name, String spec) {
        return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: "
                + namespace + "\nspec:\n" + spec.stripTrailing() + "\n";
    }

    static String both(String... documents) {
        return String.join("---\n", documents);
    }

    @Test
    @Order(1)
    void withoutPoliciesEveryPodReachesEveryOther() {
        lab.assertReachability("no policy", Reachability.allAllowed());
    }

    @Test
    @Order(2)
    void defaultDenyIngress() {
        lab.apply(np("x", "deny-ingress", """
                  podSelector: {}
                  policyTypes: [Ingress]
                """));
        // * -> x/*: denied; everything else allowed
        lab.assertReachability("default-deny-ingress in x", Reachability.allAllowed().expect("*", "x/*", false));
    }

    @Test
    @Order(3)
    void defaultDenyEgress() {
        lab.apply(np("x", "deny-egress-ns-x", """
                  podSelector: {}
                  policyTypes: [Egress]
                """));
        // x/* -> *: denied
        lab.assertReachability("default-deny-egress in x", Reachability.allAllowed().expect("x/*", "*", false));
    }

    @Test
    @Order(4)
    void defaultDenyAll() {
        lab.apply(np("x", "deny-all", """
                  podSelector: {}
                  policyTypes: [Ingress, Egress]
                """));
        // x/* -> * and * -> x/*: denied
        lab.assertReachability("default-deny-all in x", Reachability.allAllowed()
                .expect("x/*", "*", false).expect("*", "x/*", false));
    }

    @Test
    @Order(5)
    void allowFromPodSelectorWithinTheNamespace() {
        lab.apply(np("x", "x-a-allows-x-b", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - podSelector: {matchLabels: {pod: b}}
                """));
        // * -> x/a: denied except x/b (a podSelector alone means pods of the policy's namespace: y/b, z/b denied)
        lab.assertReachability("x/a from pod=b", Reachability.allAllowed()
                .expectAllIngress("x/a", false).expect("x/b", "x/a", true));
    }

    @Test
    @Order(6)
    void allowFromNamespaceSelector() {
        lab.apply(np("x", "allow-client-a-via-ns-selector", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
                """));
        // * -> x/a: denied except y/*
        lab.assertReachability("x/a from namespace y", Reachability.allAllowed()
                .expectAllIngress("x/a", false).expect("y/*", "x/a", true));
    }

    @Test
    @Order(7)
    void podSelectorOrNamespaceSelectorAsTwoPeers() {
        lab.apply(np("x", "allow-ns-not-x-or-pod-b", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector:
                        matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
                    - podSelector: {matchLabels: {pod: b}}
                """));
        // * -> x/a: allowed from y/*, z/* and x/b; denied from x/c
        lab.assertReachability("x/a from ns not x, or pod b", Reachability.allAllowed().expect("x/c", "x/a", false));
    }

    @Test
    @Order(8)
    void podSelectorAndNamespaceSelectorInOnePeer() {
        lab.apply(np("x", "allow-ns-not-x-and-pod-b", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector:
                        matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
                      podSelector: {matchLabels: {pod: b}}
                """));
        // * -> x/a: denied except y/b and z/b
        lab.assertReachability("x/a from pod b of ns not x", Reachability.allAllowed().expectAllIngress("x/a", false)
                .expect("y/b", "x/a", true).expect("z/b", "x/a", true));
    }

    @Test
    @Order(9)
    void multiplePodSelectorsAndNamespaceSelectorsByExpressions() {
        lab.apply(np("x", "allow-ns-y-z-pod-b-c", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector:
                        matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]
                      podSelector:
                        matchExpressions: [{key: pod, operator: In, values: [b, c]}]
                """));
        // * -> x/a: denied except y/b, y/c, z/b, z/c
        lab.assertReachability("x/a from pods b, c of ns not x", Reachability.allAllowed().expectAllIngress("x/a", false)
                .expect("y/b", "x/a", true).expect("y/c", "x/a", true).expect("z/b", "x/a", true).expect("z/c", "x/a", true));
    }

    @Test
    @Order(10)
    void allowIngressForATargetInADenyAllNamespace() {
        lab.apply(both(np("x", "deny-all", """
                  podSelector: {}
                  policyTypes: [Ingress]
                """), np("x", "allow-all-to-a", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - podSelector: {}
                      namespaceSelector: {}
                """)));
        // * -> x/b, x/c: denied; * -> x/a: allowed (every pod of every namespace)
        lab.assertReachability("deny x, allow all to x/a", Reachability.allAllowed()
                .expect("*", "x/*", false).expectAllIngress("x/a", true));
    }

    @Test
    @Order(11)
    void denyIngressFromPodsOfOtherNamespaces() {
        lab.apply(np("x", "deny-empty-policy", """
                  podSelector: {}
                  ingress:
                  - from:
                    - podSelector: {}
                """));
        // y/*, z/* -> x/*: denied; x -> x allowed
        lab.assertReachability("x only from x", Reachability.allAllowed()
                .expect("y/*", "x/*", false).expect("z/*", "x/*", false));
    }

    @Test
    @Order(12)
    void egressToOneAddressByIpBlock() {
        Pod yb = lab.pod("y/b");
        lab.apply(np("x", "allow-client-a-via-cidr-egress-rule", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - ipBlock: {cidr: %s/32}
                    - ipBlock: {cidr: %s/128}
                """.formatted(yb.v4(), yb.v6())));
        // x/a -> *: denied except y/b
        lab.assertReachability("x/a to y/b's addresses only", Reachability.allAllowed()
                .expectAllEgress("x/a", false).expect("x/a", "y/b", true));
    }

    @Test
    @Order(13)
    void ipBlockExceptAndAnOverlappingPolicyThenAnUpdate() {
        Pod xb = lab.pod("x/b");
        String exceptB = np("x", "allow-client-a-via-cidr-egress-rule", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - ipBlock: {cidr: %s, except: [%s/32]}
                    - ipBlock: {cidr: %s, except: [%s/128]}
                """.formatted(LabLayout.FIXED_RANGES_V4, xb.v4(), LabLayout.FIXED_RANGES_V6, xb.v6()));
        lab.apply(exceptB);
        // x/a -> x/b: denied (the except); everything else allowed
        lab.assertReachability("x/a to the pools except x/b", Reachability.allAllowed().expect("x/a", "x/b", false));

        String onlyB = """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - ipBlock: {cidr: %s/32}
                    - ipBlock: {cidr: %s/128}
                """.formatted(xb.v4(), xb.v6());
        lab.apply(np("x", "allow-to-b", onlyB));
        // policies add up: x/b's address is in one policy's except and in the other's cidr: allowed
        lab.assertReachability("plus a policy allowing x/b", Reachability.allAllowed());

        lab.apply(np("x", "allow-client-a-via-cidr-egress-rule", onlyB));
        // the first policy, updated to x/b only: x/a -> *: denied except x/b
        lab.assertReachability("the first policy updated to x/b only", Reachability.allAllowed()
                .expectAllEgress("x/a", false).expect("x/a", "x/b", true));
    }

    @Test
    @Order(14)
    void portsThenAStackedPolicyForAnotherPort() {
        lab.apply(np("x", "allow-client-a-via-ns-selector", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                    ports:
                    - {protocol: TCP, port: 81}
                """));
        // * -> x/a: denied, except y/* on TCP 81
        lab.assertReachability("x/a from y on tcp/81", Reachability.allAllowed()
                .expectAllIngress("x/a", false).expect("y/*", "x/a", true, TCP81));
        lab.apply(np("x", "allow-client-a-via-ns-selector-80", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                    ports:
                    - {protocol: TCP, port: 80}
                """));
        // * -> x/a: denied, except y/* on TCP 80 and 81
        lab.assertReachability("plus a policy for tcp/80", Reachability.allAllowed()
                .expectAllIngress("x/a", false).expect("y/*", "x/a", true, TCP80, TCP81));
    }

    @Test
    @Order(15)
    void ingressOnOneNamedPort() {
        lab.apply(np("x", "allow-all", """
                  podSelector: {}
                  ingress:
                  - ports:
                    - port: serve-81-tcp
                """));
        // * -> x/*: TCP 81 allowed (every pod declares serve-81-tcp), TCP 80 and UDP 80 denied
        lab.assertReachability("x on serve-81-tcp", Reachability.allAllowed().expect("*", "x/*", false, TCP80, UDP80));
    }

    @Test
    @Order(16)
    void ingressFromANamespaceOnOneNamedPort() {
        lab.apply(np("x", "allow-client-a-via-ns-selector-80", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
                    ports:
                    - {protocol: TCP, port: serve-80-tcp}
                """));
        // * -> x/a: denied, except y/* on TCP 80
        lab.assertReachability("x/a from y on serve-80-tcp", Reachability.allAllowed()
                .expectAllIngress("x/a", false).expect("y/*", "x/a", true, TCP80));
    }

    @Test
    @Order(17)
    void egressOnNamedPorts() {
        lab.apply(np("x", "allow-egress", """
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                  - ports:
                    - port: serve-80-tcp
                    - {protocol: UDP, port: serve-80-udp}
                """));
        // x/* -> *: TCP 80 and UDP 80 allowed (the destinations declare both names), TCP 81 denied
        lab.assertReachability("x to serve-80-tcp and serve-80-udp", Reachability.allAllowed().expect("x/*", "*", false, TCP81));
    }

    @Test
    @Order(18)
    void endPortRanges() {
        lab.apply(both(np("x", "x-a-ingress-81-to-90", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - ports:
                    - {protocol: TCP, port: 81, endPort: 90}
                """), np("y", "y-b-egress-udp-70-to-80", """
                  podSelector: {matchLabels: {pod: b}}
                  policyTypes: [Egress]
                  egress:
                  - ports:
                    - {protocol: UDP, port: 70, endPort: 80}
                """)));
        // * -> x/a: only TCP 81 (in 81-90) allowed; y/b -> *: only UDP 80 (in 70-80) allowed
        lab.assertReachability("port ranges", Reachability.allAllowed()
                .expect("*", "x/a", false, TCP80, UDP80).expect("y/b", "*", false, TCP80, TCP81));
    }

    @Test
    @Order(19)
    void egressToANamespace() {
        lab.apply(np("x", "x-a-to-ns-y", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - namespaceSelector: {matchLabels: {ns: y}}
                """));
        // x/a -> *: denied except y/*
        lab.assertReachability("x/a to namespace y", Reachability.allAllowed()
                .expectAllEgress("x/a", false).expect("x/a", "y/*", true));
        lab.apply(np("x", "x-a-to-ns-y", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - namespaceSelector:
                        matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [y]}]
                """));
        // updated to every namespace but y: x/a -> y/*: denied; everything else allowed
        lab.assertReachability("x/a to namespaces other than y", Reachability.allAllowed().expect("x/a", "y/*", false));
    }

    @Test
    @Order(20)
    void egressDeniedOnTheClientEvenIfTheServerAllows() {
        String fromXa = """
                  podSelector: {matchLabels: {pod: %s}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: x}}
                      podSelector: {matchLabels: {pod: a}}
                """;
        lab.apply(both(np("x", "allow-to-ns-y-pod-a", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - namespaceSelector: {matchLabels: {ns: y}}
                      podSelector: {matchLabels: {pod: a}}
                """), np("y", "allow-from-xa-on-ya", fromXa.formatted("a")), np("y", "allow-from-xa-on-yb", fromXa.formatted("b"))));
        // x/a -> *: denied; * -> y/a: denied; x/a -> y/a: allowed; * -> y/b: denied (x/a too, by its egress)
        lab.assertReachability("client-side egress", Reachability.allAllowed().expectAllEgress("x/a", false)
                .expectAllIngress("y/a", false).expect("x/a", "y/a", true).expectAllIngress("y/b", false));
    }

    @Test
    @Order(21)
    void protocolsTcpOnlyUdpOnlyAndSctpOnly() {
        lab.apply(both(np("x", "allow-ingress-by-proto", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - ports:
                    - protocol: TCP
                """), np("x", "allow-only-udp-ingress-on-port-81", """
                  podSelector: {matchLabels: {pod: b}}
                  ingress:
                  - ports:
                    - {protocol: UDP, port: 81}
                """), np("x", "allow-only-sctp-ingress-on-port-80", """
                  podSelector: {matchLabels: {pod: c}}
                  ingress:
                  - ports:
                    - {protocol: SCTP, port: 80}
                """)));
        // * -> x/a: TCP (any port) allowed, UDP denied; * -> x/b (UDP 81 only) and x/c (SCTP only): everything probed denied
        lab.assertReachability("protocol-only rules", Reachability.allAllowed().expect("*", "x/a", false, UDP80)
                .expectAllIngress("x/b", false).expectAllIngress("x/c", false));
    }

    @Test
    @Order(22)
    void updatedPolicyFromAllowAllToDenyAll() {
        lab.apply(np("x", "allow-all-mutate-to-deny-all", """
                  podSelector: {}
                  ingress:
                  - {}
                """));
        lab.assertReachability("allow-all in x", Reachability.allAllowed());
        lab.apply(np("x", "allow-all-mutate-to-deny-all", """
                  podSelector: {}
                  policyTypes: [Ingress]
                """));
        // * -> x/*: denied
        lab.assertReachability("updated to deny-all", Reachability.allAllowed().expect("*", "x/*", false));
    }

    @Test
    @Order(23)
    void updatedPolicyFromOneNamedPortToAnother() {
        String policy = """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - namespaceSelector: {matchLabels: {ns: y}}
                    ports:
                    - port: %s
                """;
        lab.apply(np("x", "allow-client-a-via-named-port", policy.formatted("serve-81-tcp")));
        lab.assertReachability("x/a from y on serve-81-tcp", Reachability.allAllowed()
                .expectAllIngress("x/a", false).expect("y/*", "x/a", true, TCP81));
        lab.apply(np("x", "allow-client-a-via-named-port", policy.formatted("serve-80-tcp")));
        lab.assertReachability("updated to serve-80-tcp", Reachability.allAllowed()
                .expectAllIngress("x/a", false).expect("y/*", "x/a", true, TCP80));
    }

    @Test
    @Order(24)
    void podAndNamespaceLabelUpdates() {
        lab.apply(both(np("x", "allow-client-a-via-pod-selector", """
                  podSelector: {matchLabels: {pod: a}}
                  ingress:
                  - from:
                    - podSelector: {matchLabels: {pod: b, pod2: updated}}
                    - namespaceSelector: {matchLabels: {ns2: updated}}
                """), np("x", "deny-ingress-via-label-selector", """
                  podSelector: {matchLabels: {target: isolated}}
                  policyTypes: [Ingress]
                """)));
        try {
            lab.assertReachability("x/a from nothing that exists yet", Reachability.allAllowed().expectAllIngress("x/a", false));
            lab.jc("container", "label", "netns:" + lab.pod("x/b").netns(), "pod2=updated");
            lab.assertReachability("x/b labelled pod2=updated", Reachability.allAllowed()
                    .expectAllIngress("x/a", false).expect("x/b", "x/a", true));
            lab.jc("namespace", "label", "y", "ns2=updated");
            lab.assertReachability("namespace y labelled ns2=updated", Reachability.allAllowed()
                    .expectAllIngress("x/a", false).expect("x/b", "x/a", true).expect("y/*", "x/a", true));
            lab.jc("container", "label", "netns:" + lab.pod("x/c").netns(), "target=isolated");
            lab.assertReachability("x/c labelled target=isolated", Reachability.allAllowed().expectAllIngress("x/a", false)
                    .expect("x/b", "x/a", true).expect("y/*", "x/a", true).expectAllIngress("x/c", false));
        } finally {
            lab.jc("container", "label", "netns:" + lab.pod("x/b").netns(), "pod2-");
            lab.jc("container", "label", "netns:" + lab.pod("x/c").netns(), "target-");
            lab.jc("namespace", "label", "y", "ns2-");
        }
    }

    @Test
    @Order(25)
    void ingressAllowAllTakesPrecedenceOverAPortPolicy() {
        lab.apply(np("x", "allow-ingress-port-80", """
                  podSelector: {}
                  ingress:
                  - ports:
                    - port: 80
                """));
        // * -> x/*: only TCP 80 allowed
        lab.assertReachability("x on tcp/80 only", Reachability.allAllowed().expect("*", "x/*", false, TCP81, UDP80));
        lab.apply(np("x", "allow-ingress", """
                  podSelector: {}
                  ingress:
                  - {}
                """));
        lab.assertReachability("plus allow-all ingress", Reachability.allAllowed());
    }

    @Test
    @Order(26)
    void egressAllowAllTakesPrecedenceOverAPortPolicy() {
        lab.apply(np("x", "allow-egress-port-80", """
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                  - ports:
                    - port: 80
                """));
        // x/* -> *: only TCP 80 allowed
        lab.assertReachability("x to tcp/80 only", Reachability.allAllowed().expect("x/*", "*", false, TCP81, UDP80));
        lab.apply(np("x", "allow-egress", """
                  podSelector: {}
                  policyTypes: [Egress]
                  egress:
                  - {}
                """));
        lab.assertReachability("plus allow-all egress", Reachability.allAllowed());
    }

    @Test
    @Order(27)
    void ingressAndEgressInOnePolicy() {
        lab.apply(np("x", "allow-client-a-via-pod-selector", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress, Ingress]
                  ingress:
                  - from:
                    - podSelector: {matchLabels: {pod: b}}
                  egress:
                  - ports:
                    - port: 80
                """));
        // * -> x/a: denied except x/b (any traffic); x/a -> *: TCP 80 only
        lab.assertReachability("x/a in from x/b, out to tcp/80", Reachability.allAllowed().expectAllIngress("x/a", false)
                .expectAllEgress("x/a", false, TCP81, UDP80).expect("x/b", "x/a", true));
    }

    @Test
    @Order(28)
    void ingressAndEgressControlledIndependently() {
        lab.apply(np("x", "allow-egress-for-target", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Egress]
                  egress:
                  - {}
                """));
        lab.assertReachability("x/a egress allow-all", Reachability.allAllowed());
        lab.apply(np("x", "deny-ingress-via-label-selector", """
                  podSelector: {matchLabels: {pod: a}}
                  policyTypes: [Ingress]
                """));
        // * -> x/a: denied; x/a -> *: allowed
        lab.assertReachability("plus deny ingress to x/a", Reachability.allAllowed().expectAllIngress("x/a", false));
    }
}
