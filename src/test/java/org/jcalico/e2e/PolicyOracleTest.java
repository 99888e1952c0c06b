package org.jcalico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jcalico.e2e.RandomPolicy.All;
import org.jcalico.e2e.RandomPolicy.Equals;
import org.jcalico.e2e.RandomPolicy.Policy;
import org.jcalico.e2e.RandomPolicy.Rule;
import org.jcalico.e2e.RandomPolicy.Scenario;
import org.jcalico.e2e.RandomPolicy.Side;
import org.jcalico.e2e.RandomPolicy.Tier;
import org.jcalico.model.IpAddress;
import org.junit.jupiter.api.Test;

/** The differential test's oracle on the examples docs/policy.md spells out, so that it can be trusted as a reference. */
class PolicyOracleTest {
    private static final Pod XA = pod("x", "a");
    private static final Pod XB = pod("x", "b");
    private static final Pod YA = pod("y", "a");

    private static Pod pod(String namespace, String name) {
        return new Pod(namespace, name, 1, "unused", IpAddress.parse("10.0.0.1"), IpAddress.parse("fd00::1"));
    }

    private static Policy gnp(String name, String tier, Integer order, List<Rule> ingress) {
        return new Policy(name, null, tier, order, new Equals("pod", "a"), null, List.of("Ingress"), ingress, List.of());
    }

    private static Rule rule(String action, Side source) {
        return new Rule(action, null, source, null);
    }

    private static PolicyOracle oracle(List<Tier> tiers, Policy... policies) {
        return new PolicyOracle(new Scenario(Map.of(), Map.of(), tiers, List.of(policies)));
    }

    @Test
    void passFromTheLastTierFallsToTheProfilesAndANonDecidingTierDrops() {
        assertTrue(oracle(List.of(), gnp("p", "default", null, List.of(rule("Pass", null)))).allowed(XB, XA, Traffic.TCP80));
        assertFalse(oracle(List.of(), gnp("p", "default", null, List.of(rule("Log", null)))).allowed(XB, XA, Traffic.TCP80),
                "Log goes on, then the end-of-tier drop");
        assertTrue(oracle(List.of(new Tier("t", 10, "Pass")), gnp("t.p", "t", null, List.of())).allowed(XB, XA, Traffic.TCP80),
                "defaultAction Pass");
        assertTrue(oracle(List.of()).allowed(XB, XA, Traffic.TCP80), "no policy: the profile allows");
    }

    @Test
    void tiersByOrderThenPoliciesByOrderWithoutAnOrderLast() {
        Policy deny = gnp("a-deny", "default", null, List.of(rule("Deny", null)));
        Policy allow = gnp("z-allow", "default", 5, List.of(rule("Allow", null)));
        assertTrue(oracle(List.of(), deny, allow).allowed(XB, XA, Traffic.TCP80), "the ordered policy first, whatever the names");
        Policy late = gnp("t.deny", "t", 1, List.of(rule("Deny", null)));
        assertTrue(oracle(List.of(new Tier("t", 2_000_000, null)), allow, late).allowed(XB, XA, Traffic.TCP80),
                "the default tier (1,000,000) before a tier of order 2,000,000");
        Policy allowFirst = gnp("u.allow", "u", 1, List.of(rule("Allow", null)));
        assertTrue(oracle(List.of(new Tier("t", null, null), new Tier("u", 7, null)), late, allowFirst).allowed(XB, XA, Traffic.TCP80),
                "a tier without an order comes after every tier with one");
        assertFalse(oracle(List.of(new Tier("t", 7, null), new Tier("u", null, null)), late, allowFirst).allowed(XB, XA, Traffic.TCP80));
    }

    @Test
    void aNamespacedPolicysSelectorsLookInItsNamespaceButNotSelectorDoesNot() {
        Policy fromA = new Policy("p", "x", "default", null, new All(), null, null,
                List.of(rule("Allow", new Side(new Equals("pod", "a"), null, null, null))), List.of());
        assertTrue(oracle(List.of(), fromA).allowed(XA, XB, Traffic.TCP80));
        assertFalse(oracle(List.of(), fromA).allowed(YA, XB, Traffic.TCP80), "y/a is not in the policy's namespace");
        Policy notB = new Policy("p", "x", "default", null, new All(), null, null,
                List.of(rule("Allow", new Side(null, new Equals("pod", "b"), null, null))), List.of());
        assertTrue(oracle(List.of(), notB).allowed(XA, XB, Traffic.TCP80));
        assertFalse(oracle(List.of(), notB).allowed(YA, XB, Traffic.TCP80), "a notSelector alone still scopes to the namespace");
        Policy anyNamespace = new Policy("p", "x", "default", null, new All(), null, null,
                List.of(rule("Allow", new Side(new Equals("pod", "a"), null, new All(), null))), List.of());
        assertTrue(oracle(List.of(), anyNamespace).allowed(YA, XB, Traffic.TCP80), "namespaceSelector all(): every namespace");
    }

    @Test
    void theLabelsASelectorSees() {
        PolicyOracle oracle = new PolicyOracle(new Scenario(Map.of("x/a", Map.of("color", "red")), Map.of("x", Map.of("team", "a")),
                List.of(), List.of()));
        Map<String, String> labels = oracle.labels(XA);
        assertEquals("red", labels.get("color"));
        assertEquals("x", labels.get("projectcalico.org/namespace"));
        assertEquals("a", labels.get("pcns.team"));
        assertEquals("x", labels.get("pcns.projectcalico.org/name"));
    }
}
