package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.DropLog;
import org.jcalico.felix.program.Origin;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** The denied-flow log's rules: one before each drop that policy causes, none when the setting is off. */
class DropLogCalcTest {
    private static final String POLICIES = """
            kind: GlobalNetworkPolicy
            metadata: {name: guard}
            spec:
              selector: app == "web"
              types: [Ingress, Egress]
              ingress:
              - {action: Deny, protocol: TCP, destination: {ports: [22, ssh]}}
              - {action: Allow, protocol: TCP}
              egress:
              - {action: Allow}
            """;

    private static final WorkloadEndpoint WEB = new WorkloadEndpoint("h1", null, "c-w", "w", "jcw", null,
            List.of(Cidr.parseHostOrNet("10.0.0.1")), List.of(Cidr.parseHostOrNet("fd00::1")), List.of("open"), null,
            null, Map.of("app", "web"), List.of());

    private static final String LOG = "-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 50 --hashlimit-mode dstip"
            + " --hashlimit-name jc-deny-in -j NFLOG --nflog-group 2 --nflog-prefix ";

    /** The policies of the test, with the setting at its default (on). */
    private static Snapshot on() {
        return PolicyCalcTest.snapshot(List.of(WEB), POLICIES).withConfig(FelixConfiguration.DEFAULTS);
    }

    @Test
    void eachDropPolicyCausesIsLoggedFirstWithItsOriginsPrefix() {
        HostState state = new HostStateCalculator().calculate(on());
        Chain guard = state.ipv4().chains("filter").get("jc-gi-guard");
        Origin deny = new Origin.PolicyRule("GlobalNetworkPolicy/guard", "default", Direction.INBOUND, 0, Action.DENY);
        String prefix = DropLog.prefix(deny);
        assertEquals("-p tcp -m multiport --destination-ports 22 " + LOG + prefix, guard.rules().get(0));
        assertEquals("-p tcp -m multiport --destination-ports 22 -j DROP", guard.rules().get(1));
        assertTrue(guard.rules().get(2).endsWith(" " + LOG + prefix) && guard.rules().get(3).endsWith(" -j DROP"),
                "the named port alternative logs before it drops too: " + guard.rules());
        assertEquals(deny, guard.origins().get(0), "the log rule has its drop's origin: policy explain tells it the same");

        Chain in = state.ipv4().chains("filter").get(PolicyCalcTest.shared(state, "jc-tw-jcw"));
        Origin endOfTier = new Origin.EndOfTier("default", "GlobalNetworkPolicy/guard", null, Direction.INBOUND);
        int tierDrop = in.origins().lastIndexOf(endOfTier);
        assertEquals("-m mark --mark 0x0/0x2000000 -j DROP", in.rules().get(tierDrop));
        assertEquals("-m mark --mark 0x0/0x2000000 " + LOG + DropLog.prefix(endOfTier), in.rules().get(tierDrop - 1));
        assertEquals("-m conntrack --ctstate INVALID -j DROP", in.rules().get(1), "an invalid packet is no policy's");

        List<String> fromV6 = state.ipv6().chains("filter").get("jc-fw-jcw").rules();
        Chain outV6 = state.ipv6().chains("filter").get(fromV6.get(fromV6.size() - 1).substring("-j ".length()));
        Origin endpointDrop = new Origin.EndpointDrop(null, Direction.OUTBOUND);
        int last = outV6.rules().size() - 1;
        assertEquals("-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 50 --hashlimit-mode srcip"
                + " --hashlimit-name jc-deny-out -j NFLOG --nflog-group 2 --nflog-prefix " + DropLog.prefix(endpointDrop),
                outV6.rules().get(last - 1), "egress is limited per source, the endpoint's address");
        assertEquals(endpointDrop, outV6.origins().get(last));
    }

    @Test
    void turningTheSettingOffRemovesEveryLogRuleAndOnBringsThemBack() {
        HostStateCalculator calculator = new HostStateCalculator();
        Snapshot on = on();
        long logged = logRules(calculator.calculate(on));
        assertEquals(2L * (2 + 2 + 2), logged, "per family: two port alternatives, end of tier and final drop in and out");
        assertEquals(0L, logRules(calculator.calculate(on.withConfig(FelixConfiguration.DEFAULTS.withDeniedFlowLogsEnabled(false)))));
        assertEquals(logged, logRules(calculator.calculate(on)), "back on, the same calculator renders them again");
    }

    private static long logRules(HostState state) {
        List<String> all = new ArrayList<>();
        for (int version : List.of(4, 6)) {
            state.iptables(version).chains("filter").values().forEach(chain -> all.addAll(chain.rules()));
        }
        return all.stream().filter(rule -> rule.contains("--nflog-group " + DropLog.GROUP)).count();
    }

    /** The shape of Origin.EndpointDrop, whose generated text every endpoint's drop-log prefix hashed until session 60. */
    private record EndpointDrop(String endpoint, Direction direction) {
    }

    @Test
    void anEndpointDropsPrefixHashesTheTextTheRecordsGeneratedOneGave() {
        for (String endpoint : new String[] {"c-w", null}) {
            for (Direction direction : Direction.values()) {
                assertEquals(new EndpointDrop(endpoint, direction).toString(),
                        new Origin.EndpointDrop(endpoint, direction).toString(),
                        "a changed text would change every endpoint chain's drop-log prefix, so every chain at the upgrade");
            }
        }
    }
}
