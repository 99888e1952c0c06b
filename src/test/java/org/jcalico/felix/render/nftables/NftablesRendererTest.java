package org.jcalico.felix.render.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.ProgramTables;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.model.Cidr;
import org.jcalico.model.IcmpMatch;
import org.jcalico.model.PortRange;
import org.jcalico.model.Protocol;
import org.junit.jupiter.api.Test;

/** The nft text of the neutral model's criteria and verdicts, and the dispatch tree as verdict maps. */
class NftablesRendererTest {
    private static final String FROM = DataplaneNames.FROM_DISPATCH;

    @Test
    void criteriaAndVerdictsInNftSyntax() {
        assertEquals("meta l4proto tcp th dport { 80, 8000-8080 } th sport != 53 accept", rule(4, Verdict.ACCEPT,
                new Criterion.ProtocolIs(Protocol.parse("tcp"), false),
                new Criterion.PortsIn(Side.DESTINATION, List.of(new PortRange(80, 80), new PortRange(8000, 8080)), false),
                new Criterion.PortsIn(Side.SOURCE, List.of(new PortRange(53, 53)), true)));
        assertEquals("meta l4proto 58 icmpv6 type . icmpv6 code != { 128 . 0 } drop", rule(6, Verdict.DROP,
                new Criterion.ProtocolIs(Protocol.parse("icmpv6"), false),
                new Criterion.IcmpIs(new IcmpMatch(128, 0), true)));
        assertEquals("ip6 saddr != fd00::/64 ip6 daddr . meta l4proto . th dport @jc-6p-x return", rule(6, Verdict.RETURN,
                new Criterion.NetIs(Side.SOURCE, Cidr.parse("fd00::/64"), true),
                new Criterion.InSet(Side.DESTINATION, "jc-6p-x", true, false)));
        assertEquals("meta mark & 0x3000000 == 0x0 iifname \"jc*\" ct state related,established jump jc-gi-a",
                rule(4, new Verdict.Jump("jc-gi-a"), new Criterion.MarkIs(0, 0x3000000),
                        new Criterion.InterfaceIs(Side.SOURCE, "jc+"),
                        new Criterion.ConntrackState(List.of("RELATED", "ESTABLISHED"))));
        assertEquals("meta mark set meta mark & 0xfdffffff", rule(4, new Verdict.ClearMark(0x2000000)));
        assertEquals("update @jc-deny-in { ip daddr limit rate 10/second burst 50 packets } log prefix \"jcd:a\" group 2",
                rule(4, new Verdict.Log("jcd:a", 2), new Criterion.RateLimit("jc-deny-in", Side.DESTINATION, 10, 50)));
        assertEquals("drop", rule(4, Verdict.DROP, new Criterion.ProtocolIs(Protocol.parse("0"), false)),
                "protocol 0 is any protocol, as iptables reads it");
    }

    @Test
    void theDispatchTreeIsOneVerdictMapAndItsInnerChainsAreNotRendered() {
        ProgramChain leaf = chain(FROM + "-ab",
                dispatch("jcab1", "10.0.0.1/32"), dispatch("jcab1", "10.0.9.0/24"), dispatch("jcab2", "10.0.0.2/32"));
        ProgramChain middle = chain(FROM + "-a", new ProgramRule(Match.of(new Criterion.InterfaceIs(Side.SOURCE, "jcab+")),
                new Verdict.Goto(leaf.name()), org.jcalico.felix.program.Origin.STRUCTURAL));
        ProgramChain root = chain(FROM, dispatch("old1", "10.0.0.3/32"),
                new ProgramRule(Match.of(new Criterion.InterfaceIs(Side.SOURCE, "jca+")), new Verdict.Goto(middle.name()),
                        org.jcalico.felix.program.Origin.STRUCTURAL));
        IptablesState state = new NftablesRenderer().render(new ProgramTables(4,
                Map.of("filter", Map.of(root.name(), root, middle.name(), middle, leaf.name(), leaf)), List.of()));
        Map<String, Chain> chains = state.chains("filter");
        assertEquals(List.of(FROM), List.copyOf(chains.keySet()));
        assertEquals(List.of("iifname \"jcab1\" ip saddr 10.0.9.0/24 goto jc-fw-jcab1",
                "iifname . ip saddr vmap @" + FROM + "-iifname-ip-saddr", "drop"), chains.get(FROM).rules());
        assertEquals(List.of("iifname \"jcab1\" ip saddr 10.0.9.0/24 goto jc-fw-jcab1",
                "iifname . ip saddr vmap { \"jcab1\" . 10.0.0.1 : goto jc-fw-jcab1, \"jcab2\" . 10.0.0.2 : goto jc-fw-jcab2, "
                        + "\"old1\" . 10.0.0.3 : goto jc-fw-old1 }", "drop"), chains.get(FROM).inlineRules());
    }

    @Test
    void aTreeOfAnotherShapeIsRenderedChainByChain() {
        ProgramChain root = chain(FROM, dispatch("jc1", "10.0.0.1/32"), new ProgramRule(Match.of(new Criterion.ProtocolIs(
                Protocol.parse("udp"), false)), Verdict.ACCEPT, org.jcalico.felix.program.Origin.STRUCTURAL));
        IptablesState state = new NftablesRenderer().render(new ProgramTables(4, Map.of("filter", Map.of(FROM, root)), List.of()));
        List<String> rules = state.chains("filter").get(FROM).rules();
        assertEquals(3, rules.size());
        assertTrue(rules.get(0).startsWith("iifname \"jc1\" ip saddr 10.0.0.1/32 goto"), rules.get(0));
    }

    private static String rule(int version, Verdict verdict, Criterion... criteria) {
        return NftablesRenderer.rule(new ProgramRule(Match.of(criteria), verdict, org.jcalico.felix.program.Origin.STRUCTURAL),
                version);
    }

    private static ProgramRule dispatch(String iface, String net) {
        return ProgramRule.structural(Match.of(new Criterion.InterfaceIs(Side.SOURCE, iface),
                new Criterion.NetIs(Side.SOURCE, Cidr.parse(net), false)), new Verdict.Goto("jc-fw-" + iface));
    }

    private static ProgramChain chain(String name, ProgramRule... rules) {
        List<ProgramRule> all = new java.util.ArrayList<>(List.of(rules));
        all.add(ProgramRule.structural(Match.ANY, Verdict.DROP));
        return new ProgramChain(name, all);
    }
}
