package org.jcalico.felix.render.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.Origin;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.model.Cidr;
import org.jcalico.model.IcmpMatch;
import org.jcalico.model.PortRange;
import org.jcalico.model.Protocol;
import org.junit.jupiter.api.Test;

/** The iptables-restore text of the neutral model's criteria and verdicts, in calc's order, with each rule's origin. */
class IptablesRendererTest {
    @Test
    void criteriaAndVerdictsInIptablesSyntax() {
        assertEquals("-p tcp -m multiport --destination-ports 80,8000:8080 -m multiport ! --source-ports 53 -j ACCEPT",
                rule(4, Verdict.ACCEPT, new Criterion.ProtocolIs(Protocol.parse("tcp"), false),
                        new Criterion.PortsIn(Side.DESTINATION, List.of(new PortRange(80, 80), new PortRange(8000, 8080)), false),
                        new Criterion.PortsIn(Side.SOURCE, List.of(new PortRange(53, 53)), true)));
        assertEquals("-p ipv6-icmp -m icmp6 ! --icmpv6-type 128/0 -j DROP", rule(6, Verdict.DROP,
                new Criterion.ProtocolIs(Protocol.parse("icmpv6"), false), new Criterion.IcmpIs(new IcmpMatch(128, 0), true)));
        assertEquals("! -s fd00::/64 -m set ! --match-set jc-6p-x dst,dst -j RETURN", rule(6, Verdict.RETURN,
                new Criterion.NetIs(Side.SOURCE, Cidr.parse("fd00::/64"), true),
                new Criterion.InSet(Side.DESTINATION, "jc-6p-x", true, true)));
        assertEquals("-m mark --mark 0x0/0x3000000 -i jc+ -m conntrack --ctstate RELATED,ESTABLISHED -g jc-gi-a",
                rule(4, new Verdict.Goto("jc-gi-a"), new Criterion.MarkIs(0, 0x3000000),
                        new Criterion.InterfaceIs(Side.SOURCE, "jc+"),
                        new Criterion.ConntrackState(List.of("RELATED", "ESTABLISHED"))));
        assertEquals("-j MARK --set-xmark 0x0/0x2000000", rule(4, new Verdict.ClearMark(0x2000000)));
        assertEquals("-m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 50 --hashlimit-mode dstip --hashlimit-name "
                        + "jc-deny-in -j NFLOG --nflog-group 2 --nflog-prefix jcd:a",
                rule(4, new Verdict.Log("jcd:a", 2), new Criterion.RateLimit("jc-deny-in", Side.DESTINATION, 10, 50)));
    }

    @Test
    void aChainKeepsEachRulesOrigin() {
        Origin entry = new Origin.Structural("entry");
        Chain chain = IptablesRenderer.chain(new ProgramChain("jc-x", List.of(
                new ProgramRule(Match.of(new Criterion.ProtocolIs(Protocol.parse("udp"), false)), Verdict.ACCEPT, entry),
                ProgramRule.structural(Match.ANY, Verdict.DROP))), 4);
        assertEquals(List.of("-p udp -j ACCEPT", "-j DROP"), chain.rules());
        assertEquals(List.of(entry, Origin.STRUCTURAL), chain.origins());
    }

    private static String rule(int version, Verdict verdict, Criterion... criteria) {
        return IptablesRenderer.rule(new ProgramRule(Match.of(criteria), verdict, Origin.STRUCTURAL), version);
    }
}
