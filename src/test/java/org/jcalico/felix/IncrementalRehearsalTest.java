package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.ResourceCodec;
import org.junit.jupiter.api.Test;

/** The policy change a rehearsal round makes in memory: one rule fewer, nothing else of the policy different. */
class IncrementalRehearsalTest {
    @Test
    void theChangedPolicyLosesItsFirstIngressRuleOnly() {
        Policy policy = policy("""
                kind: NetworkPolicy
                metadata: {name: web, namespace: prod}
                spec:
                  tier: security
                  order: 10
                  selector: app == "web"
                  ingress:
                  - {action: Deny, source: {nets: [198.51.100.9/32]}}
                  - {action: Allow, protocol: TCP, destination: {ports: [80]}}
                  egress: [{action: Pass}]
                """);

        Policy changed = IncrementalRehearsal.changedPolicy(policy);

        assertEquals(policy.metadata(), changed.metadata());
        assertEquals(policy.namespace(), changed.namespace());
        assertEquals(List.of(policy.spec().ingress().get(1)), changed.spec().ingress());
        assertEquals(policy.spec().egress(), changed.spec().egress());
        assertEquals(List.of(policy.spec().tier(), policy.spec().order(), policy.spec().selector(), policy.spec().types()),
                List.of(changed.spec().tier(), changed.spec().order(), changed.spec().selector(), changed.spec().types()));
    }

    @Test
    void anEgressOnlyPolicyLosesItsFirstEgressRuleAndKeepsItsDirection() {
        Policy policy = policy("""
                kind: GlobalNetworkPolicy
                metadata: {name: out}
                spec:
                  selector: all()
                  egress: [{action: Deny, destination: {nets: [198.51.100.0/24]}}]
                """);

        Policy changed = IncrementalRehearsal.changedPolicy(policy);

        assertEquals(List.of(), changed.spec().egress());
        assertEquals(policy.spec().types(), changed.spec().types(), "still an egress policy, not one of ingress");
    }

    @Test
    void aSnapshotWhosePoliciesHaveNoRuleRehearsesNoPolicyChange() {
        Policy empty = policy("""
                kind: GlobalNetworkPolicy
                metadata: {name: nothing}
                spec: {selector: all(), types: [Ingress]}
                """);
        Snapshot snapshot = Snapshot.of("h1", FelixConfiguration.DEFAULTS, List.of(), Map.of())
                .withPolicy(List.of(), List.of(empty), List.of(), Map.of());

        assertNull(IncrementalRehearsal.changedPolicy(empty));
        assertNull(IncrementalRehearsal.withChangedPolicy(snapshot));
    }

    private static Policy policy(String yaml) {
        return (Policy) ResourceCodec.decodeAll(yaml).getFirst();
    }
}
