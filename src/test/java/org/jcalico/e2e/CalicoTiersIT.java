package org.jcalico.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tiers, written as Calico v3 YAML and applied with `jcalico apply -f`, on the Kubernetes e2e model (x, y, z times
 * a, b, c on two hosts; every pod in an allow-all profile): a platform tier that denies one pair and passes the
 * rest, Pass from the last tier falling to the profiles, the end-of-tier drop, a tier's defaultAction Pass, policy
 * order within a tier, and Pass skipping tiers with no policy for the endpoint. Truth tables written by hand from
 * docs/policy.md.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CalicoTiersIT {
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
        lab.assertReachability("after the case's resources were deleted", Reachability.allAllowed());
    }

    static String tier(String name, String spec) {
        return "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: " + name + "\nspec: " + spec + "\n";
    }

    static String gnp(String name, String spec) {
        return "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: " + name + "\nspec:\n"
                + spec.stripTrailing() + "\n";
    }

    static String np(String namespace, String name, String spec) {
        return "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: "
                + namespace + "\nspec:\n" + spec.stripTrailing() + "\n";
    }

    static String all(String... documents) {
        return String.join("---\n", documents);
    }

    @Test
    @Order(1)
    void aPlatformTierDeniesOnePairAndPassesTheRestToTheDefaultTier() {
        lab.apply(all(tier("platform", "{order: 100}"), gnp("platform.block-xa-to-yb", """
                  tier: platform
                  order: 10
                  selector: all()
                  types: [Ingress]
                  ingress:
                  - action: Deny
                    source: {selector: projectcalico.org/namespace == "x" && pod == "a"}
                    destination: {selector: projectcalico.org/namespace == "y" && pod == "b"}
                  - action: Pass
                """)));
        // x/a -> y/b: denied; the rest passes from the last tier with a policy to the profiles, which allow it
        lab.assertReachability("platform tier alone", Reachability.allAllowed().expect("x/a", "y/b", false));

        lab.apply(np("y", "b-from-x", """
                  selector: pod == "b"
                  ingress:
                  - action: Allow
                    source: {namespaceSelector: ns == "x"}
                """));
        // -> y/b: x/b, x/c allowed by the default tier; x/a still denied by the platform tier before it; y/*, z/*
        // denied by the default tier's end-of-tier drop
        lab.assertReachability("plus a default-tier policy for y/b", Reachability.allAllowed()
                .expectAllIngress("y/b", false).expect("x/b", "y/b", true).expect("x/c", "y/b", true));
    }

    @Test
    @Order(2)
    void endOfTierDropThenTheTiersDefaultActionPass() {
        String policy = gnp("security.z-ingress", """
                  tier: security
                  selector: projectcalico.org/namespace == "z"
                  ingress:
                  - action: Deny
                    source: {selector: pod == "c"}
                  - action: Allow
                    source: {selector: pod == "a"}
                """);
        lab.apply(all(tier("security", "{order: 50}"), policy));
        // -> z/*: from pods a allowed, from pods c denied by the rule, from pods b denied at the end of the tier
        lab.assertReachability("tier security, defaultAction Deny", Reachability.allAllowed()
                .expect("*", "z/*", false).expect("*/a", "z/*", true));

        lab.apply(tier("security", "{order: 50, defaultAction: Pass}"));
        // -> z/*: pods b now pass to the next tiers (none applies) and the profiles allow them; pods c still denied
        lab.assertReachability("the tier's defaultAction set to Pass", Reachability.allAllowed().expect("*/c", "z/*", false));
    }

    @Test
    @Order(3)
    void policiesInATierByOrderAndWithoutAnOrderLast() {
        lab.apply(all(gnp("allow-all-to-z", """
                  order: 10
                  selector: projectcalico.org/namespace == "z"
                  ingress:
                  - action: Allow
                """), gnp("deny-c-to-z", """
                  order: 20
                  selector: projectcalico.org/namespace == "z"
                  ingress:
                  - action: Deny
                    source: {selector: pod == "c"}
                """), gnp("a-deny-b-to-z", """
                  selector: projectcalico.org/namespace == "z"
                  ingress:
                  - action: Deny
                    source: {selector: pod == "b"}
                """)));
        // allow-all-to-z (order 10) decides first; a-deny-b-to-z has no order, so it comes last despite its name
        lab.assertReachability("allow-all first", Reachability.allAllowed());

        lab.apply(gnp("deny-c-to-z", """
                  order: 5
                  selector: projectcalico.org/namespace == "z"
                  ingress:
                  - action: Deny
                    source: {selector: pod == "c"}
                """));
        // deny-c-to-z now before allow-all-to-z
        lab.assertReachability("deny-c-to-z moved to order 5", Reachability.allAllowed().expect("*/c", "z/*", false));
    }

    @Test
    @Order(4)
    void passGoesToTheNextTierWithAPolicyForTheEndpointAndLogGoesOn() {
        lab.apply(all(tier("first", "{order: 10}"), tier("second", "{order: 20}"), gnp("first.log-and-pass", """
                  tier: first
                  selector: all()
                  types: [Ingress, Egress]
                  ingress:
                  - action: Log
                  - action: Pass
                  egress:
                  - action: Log
                  - action: Pass
                """), gnp("second.x-not-from-y", """
                  tier: second
                  selector: projectcalico.org/namespace == "x"
                  ingress:
                  - action: Deny
                    source: {namespaceSelector: ns == "y"}
                  - action: Allow
                """), np("z", "z-from-pods-a", """
                  selector: all()
                  ingress:
                  - action: Allow
                    source: {selector: pod == "a", namespaceSelector: all()}
                """)));
        // every endpoint: tier first logs and passes both ways (egress then falls to the profiles: allowed);
        // -> x/*: tier second denies y/*, allows the rest;
        // -> z/*: tier second has no policy for z, so the default tier decides: pods a of any namespace, else dropped
        lab.assertReachability("log, pass, and a tier skipped", Reachability.allAllowed().expect("y/*", "x/*", false)
                .expect("*", "z/*", false).expect("*/a", "z/*", true));
    }

    @Test
    @Order(5)
    void egressThroughTiers() {
        lab.apply(all(tier("platform", "{order: 100}"), gnp("platform.egress", """
                  tier: platform
                  selector: pod == "a"
                  types: [Egress]
                  egress:
                  - action: Deny
                    protocol: UDP
                  - action: Pass
                    destination: {selector: projectcalico.org/namespace == "y"}
                  - action: Allow
                    protocol: TCP
                    destination: {ports: [81]}
                """), np("x", "a-egress", """
                  selector: pod == "a"
                  egress:
                  - action: Allow
                    protocol: TCP
                    destination: {ports: [80]}
                """)));
        // */a -> *: UDP denied by the platform tier. TCP to y/* passes: x/a then meets x's default-tier policy
        // (TCP 80 only, end-of-tier drop for 81), y/a and z/a have no default-tier policy, so their profiles allow.
        // TCP to x/*, z/*: port 81 allowed by the platform tier; port 80 falls off the end of the platform tier: dropped.
        lab.assertReachability("egress of pods a through two tiers", Reachability.allAllowed()
                .expect("*/a", "*", false, Traffic.UDP80)
                .expect("*/a", "x/*", false, Traffic.TCP80).expect("*/a", "z/*", false, Traffic.TCP80)
                .expect("x/a", "y/*", false, Traffic.TCP81));
    }
}
