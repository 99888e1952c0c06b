package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;
import org.junit.jupiter.api.Test;

/** How the filter rules match each set (SetPolarities), as HostState carries it for the iptables driver's order. */
class SetPolaritiesTest {
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));

    @Test
    void allowAndDenyRulesGiveEachSetOnePolarityAndLogRulesNone() {
        Map<String, SetPolarity> polarities = polarities("""
                kind: GlobalNetworkPolicy
                metadata: {name: one}
                spec:
                  order: 10
                  selector: app == "web"
                  ingress:
                  - {action: Log, source: {selector: role == "e"}}
                  - {action: Deny, source: {selector: role == "a"}}
                  - {action: Deny, source: {notSelector: role == "f"}}
                  - {action: Allow, source: {notSelector: role == "b"}}
                  - {action: Allow, source: {selector: role == "c"}}
                """);
        assertEquals(Map.of(set("a"), SetPolarity.DENYING, set("b"), SetPolarity.DENYING, set("c"), SetPolarity.ALLOWING,
                set("f"), SetPolarity.ALLOWING), polarities, "a Log rule's set (role e) is matched by no deciding rule");
    }

    @Test
    void aSetAllowedByOnePolicyAndDeniedByAnotherOrPassedIsMixed() {
        Map<String, SetPolarity> polarities = polarities("""
                kind: GlobalNetworkPolicy
                metadata: {name: deny-a}
                spec:
                  order: 10
                  selector: app == "web"
                  ingress: [{action: Deny, source: {selector: role == "a"}}]
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: allow-a-pass-d}
                spec:
                  order: 20
                  selector: app == "web"
                  ingress: [{action: Allow, source: {selector: role == "a"}}, {action: Pass, source: {selector: role == "d"}}]
                """);
        assertEquals(Map.of(set("a"), SetPolarity.MIXED, set("d"), SetPolarity.MIXED), polarities);
    }

    @Test
    void theJoinOfTwoPolaritiesIsMixedUnlessTheyAgree() {
        assertEquals(SetPolarity.ALLOWING, SetPolarity.join(null, SetPolarity.ALLOWING));
        assertEquals(SetPolarity.DENYING, SetPolarity.join(SetPolarity.DENYING, SetPolarity.DENYING));
        assertEquals(SetPolarity.MIXED, SetPolarity.join(SetPolarity.ALLOWING, SetPolarity.DENYING));
    }

    private static String set(String role) {
        return SetKey.of(Selector.parse("role == \"" + role + "\""), 4).name();
    }

    /** The IPv4 polarities of the selectors' sets of POLICIES over a local web endpoint. */
    private static Map<String, SetPolarity> polarities(String policies) {
        WorkloadEndpoint web = new WorkloadEndpoint("h1", null, "c1", "w1", "jcw1", null,
                List.of(Cidr.parse("10.65.0.1/32")), List.of(), List.of("open"), null, null, Map.of("app", "web"), null,
                null, List.of());
        Snapshot snapshot = Snapshot.of("h1", FelixConfiguration.DEFAULTS, List.of(web), Map.of("open", OPEN))
                .withPolicy(List.of(), ResourceCodec.decodeAll(policies).stream().map(Policy.class::cast).toList(),
                        List.of(), Map.of());
        HostState state = new HostStateCalculator().calculate(snapshot);
        Map<String, SetPolarity> v4 = new java.util.TreeMap<>();
        state.polarities().forEach((name, polarity) -> {
            if (name.startsWith("jc-4s-")) { // the selectors' sets (jc-4-local, the local endpoints' own, is always DENYING)
                v4.put(name, polarity);
            }
        });
        return v4;
    }
}
