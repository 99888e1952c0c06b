package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import static org.jcalico.testing.WebAndDb.OPEN;
import static org.jcalico.testing.WebAndDb.endpoints;
import static org.jcalico.testing.WebAndDb.policies;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.model.FelixConfiguration;
import org.junit.jupiter.api.Test;

/**
 * Endpoint chains repeat the same rules (a jump to each applying policy, its origin): every endpoint's chain holds the
 * one instance of each, not a copy, which with 1,000 local endpoints was 15 MB of the agent's heap (docs/agent.md,
 * "Memory"). What is programmed is the same either way (the calc tests compare values).
 */
class SharedRuleTextTest {

    @Test
    void endpointChainsShareTheirPolicyJumpsAndOrigins() {
        Snapshot snapshot = Snapshot.of("h1", FelixConfiguration.DEFAULTS, endpoints(4), Map.of("open", OPEN))
                .withPolicy(List.of(), policies("""
                        kind: GlobalNetworkPolicy
                        metadata: {name: web-in}
                        spec:
                          selector: app == "web"
                          ingress: [{action: Allow, protocol: TCP, source: {selector: app == "db"}}]
                        """), List.of(), Map.of());
        HostState state = new HostStateCalculator().calculate(snapshot);
        Map<String, Chain> filter = state.iptables(4).chains("filter");
        // endpoints 2 and 4 are web: their chains to the endpoint enter one chain, which jumps to the policy's chain
        Chain two = filter.get(DataplaneNames.toEndpoint("jcw2"));
        Chain four = filter.get(DataplaneNames.toEndpoint("jcw4"));
        int last = two.rules().size() - 1;
        assertEquals(last, four.rules().size() - 1);
        assertSame(two.rules().get(last), four.rules().get(last));
        assertSame(two.origins().get(last), four.origins().get(last));
        indexOfJump(filter.get(PolicyCalcTest.shared(filter, DataplaneNames.toEndpoint("jcw2"))));
    }

    @Test
    void equalRulesOfChainsMadeApartAreOneString() {
        String rule = "-m mark --mark 0x0/0x3000000 -j jc-gi-web";
        Chain one = new Chain("jc-a", List.of(new StringBuilder(rule).toString()));
        Chain other = new Chain("jc-b", List.of(new StringBuilder(rule).toString()));
        assertSame(one.rules().getFirst(), other.rules().getFirst());
        assertEquals(rule, one.rules().getFirst());
    }

    private static int indexOfJump(Chain chain) {
        for (int i = 0; i < chain.rules().size(); i++) {
            if (chain.rules().get(i).contains("-j jc-gi-web-in")) {
                return i;
            }
        }
        throw new AssertionError("no jump to web-in in " + chain);
    }
}
