package org.jcalico.felix.render.iptables;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.ProgramTables;
import org.jcalico.felix.program.Renderer;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.felix.render.ChainChanges;
import org.jcalico.felix.render.RuleSyntax;
import org.jcalico.model.PortRange;
import org.jcalico.model.Protocol;
import org.jcalico.util.PersistentSortedMap;

/**
 * The neutral model in iptables-restore syntax (iptables for IPv4, ip6tables for IPv6), one line per neutral rule,
 * each keeping its origin. Criteria are written in the order calc gives them; a port match follows its protocol.
 * Calc hands out the same chain objects while they do not change and changes a few chains per change, so each
 * family's rendering is the last one with the chains that differ from the last tables (by object, found by
 * ChainChanges) rendered again: a chain made again equal to the one before keeps its rendered object, so that
 * the driver finds it unchanged by identity too. The work is the chains that differ: both the tables and the result
 * are persistent maps (ChainChanges), so neither a walk of every chain nor a copy of the last result is needed.
 */
public final class IptablesRenderer implements Renderer {
    private static final RuleSyntax SYNTAX = new RuleSyntax(IptablesRenderer::criterion, IptablesRenderer::verdict);
    /** Per family (index 0 IPv4, 1 IPv6): the tables rendered last and what they were rendered to. */
    private final ProgramTables[] lastTables = new ProgramTables[2];
    private final IptablesState[] lastStates = new IptablesState[2];

    @Override
    public IptablesState render(ProgramTables tables) {
        int family = tables.version() == 4 ? 0 : 1;
        ProgramTables before = lastTables[family];
        IptablesState renderedBefore = lastStates[family];
        Map<String, Map<String, Chain>> rendered = new LinkedHashMap<>();
        tables.tables().forEach((table, chains) -> rendered.put(table, before == null
                ? render(chains, Map.of(), Map.of(), tables.version())
                : render(chains, before.tables().getOrDefault(table, Map.of()), renderedBefore.chains(table),
                        tables.version())));
        List<Hook> hooks = tables.hooks().stream()
                .map(hook -> new Hook(hook.table(), hook.builtinChain(), "-j " + hook.chain())).toList();
        IptablesState state = new IptablesState(tables.version(), rendered, hooks);
        lastTables[family] = tables;
        lastStates[family] = state;
        return state;
    }

    /** CHAINS rendered, given the chains rendered last (BEFORE) and what they became. */
    private static Map<String, Chain> render(Map<String, ProgramChain> chains, Map<String, ProgramChain> before,
                                             Map<String, Chain> renderedBefore, int version) {
        // the last rendering with the changed chains put in and the gone ones taken out: it shares everything else
        PersistentSortedMap.Editor<String, Chain> out = PersistentSortedMap.copyOf(renderedBefore).editor();
        ChainChanges.walk(chains, before, (name, chain) -> out.put(name, chain(chain, version)), out::remove);
        return out.map();
    }

    public static Chain chain(ProgramChain chain, int version) {
        return SYNTAX.chain(chain, version);
    }

    public static String rule(ProgramRule rule, int version) {
        return SYNTAX.rule(rule, version);
    }

    private static String criterion(Criterion criterion, int version) {
        return switch (criterion) {
            case Criterion.ProtocolIs p -> not(p.negated()) + "-p " + protocol(p.protocol());
            case Criterion.NetIs n -> not(n.negated()) + (n.side() == Side.SOURCE ? "-s " : "-d ") + n.net();
            case Criterion.InSet s -> "-m set " + not(s.negated()) + "--match-set " + s.set() + " "
                    + (s.side() == Side.SOURCE ? (s.withPort() ? "src,src" : "src") : (s.withPort() ? "dst,dst" : "dst"));
            case Criterion.PortsIn p -> "-m multiport " + not(p.negated())
                    + (p.side() == Side.SOURCE ? "--source-ports " : "--destination-ports ")
                    + String.join(",", p.ranges().stream().map(PortRange::toString).toList());
            case Criterion.IcmpIs i -> (version == 4 ? "-m icmp " + not(i.negated()) + "--icmp-type "
                    : "-m icmp6 " + not(i.negated()) + "--icmpv6-type ") + i.icmp();
            case Criterion.MarkIs m -> "-m mark --mark " + hex(m.value()) + "/" + hex(m.mask());
            case Criterion.InterfaceIs i -> (i.negated() ? "! " : "") + (i.side() == Side.SOURCE ? "-i " : "-o ") + i.name();
            case Criterion.ConntrackState c -> "-m conntrack --ctstate " + String.join(",", c.states());
            case Criterion.ConntrackReply c -> "-m conntrack --ctdir REPLY";
            // a range, not "! --uid-owner 0": xt_owner's negation matches a packet with no socket (the kernel's own,
            // forwarded ones) where nftables' "meta skuid != 0" does not; the range matches none on either
            case Criterion.SentByNonRoot s -> "-m owner --uid-owner 1-4294967294";
            case Criterion.SourceIsLocal l -> "-m addrtype " + not(l.negated()) + "--src-type LOCAL";
            case Criterion.RateLimit r -> "-m hashlimit --hashlimit-upto " + r.perSecond() + "/sec --hashlimit-burst "
                    + r.burst() + " --hashlimit-mode " + (r.keyedBy() == Side.SOURCE ? "srcip" : "dstip")
                    + " --hashlimit-name " + r.bucket();
        };
    }

    private static String verdict(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Accept a -> "-j ACCEPT";
            case Verdict.Drop d -> "-j DROP";
            case Verdict.Return r -> "-j RETURN";
            case Verdict.Jump j -> "-j " + j.chain();
            case Verdict.Goto g -> "-g " + g.chain();
            case Verdict.SetMark s -> "-j MARK --set-xmark " + hex(s.bits()) + "/" + hex(s.bits());
            case Verdict.ClearMark c -> "-j MARK --set-xmark 0x0/" + hex(c.bits());
            case Verdict.Log l -> "-j NFLOG --nflog-group " + l.group() + " --nflog-prefix " + l.prefix();
            case Verdict.Masquerade m -> "-j MASQUERADE";
        };
    }

    private static String not(boolean negated) {
        return negated ? "! " : "";
    }

    private static String hex(int value) {
        return "0x" + Integer.toHexString(value);
    }

    /** iptables' name for ICMPv6; a rule's versions already exclude icmp from IPv6 and icmpv6 from IPv4. */
    private static String protocol(Protocol protocol) {
        return protocol.name().equals("icmpv6") ? "ipv6-icmp" : protocol.name();
    }
}
