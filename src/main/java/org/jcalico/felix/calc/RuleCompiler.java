package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.DropLog;
import org.jcalico.felix.program.Marks;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.Origin;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.Ports;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.selector.Selector;
import org.jcalico.policy.EndpointLabels;

/**
 * One rule of a policy or profile as neutral rules for one IP family (docs/policy.md, "Rules"). Named and numeric
 * ports in one list are alternatives: one neutral rule per combination of a source and a destination alternative,
 * all with the rule's action. Allow sets the accept mark and Pass the pass mark, each followed by one return on
 * that mark; Deny drops; Log logs and goes on. In a profile, Pass returns to the endpoint's next profile.
 */
final class RuleCompiler {
    private RuleCompiler() {
    }

    /**
     * @param policyNamespace the namespace of a NetworkPolicy, whose rule sides are scoped to it; null for a global
     *                        policy or a profile
     * @param logPrefix       what a Log rule's packets are logged with
     * @param logDrops        whether a Deny rule logs the packets it drops first (the denied-flow log, DropLog)
     */
    static List<ProgramRule> compile(Rule rule, int version, String policyNamespace, boolean inPolicy, Origin origin,
                                     String logPrefix, boolean logDrops, CompiledChain.Needs needs) {
        if (excludesEverything(rule.source(), version) || excludesEverything(rule.destination(), version)) {
            return List.of();
        }
        List<Criterion> common = new ArrayList<>();
        if (rule.protocol() != null) {
            common.add(new Criterion.ProtocolIs(rule.protocol(), false));
        }
        if (rule.notProtocol() != null) {
            common.add(new Criterion.ProtocolIs(rule.notProtocol(), true));
        }
        List<List<Criterion>> sources = side(rule.source(), Side.SOURCE, rule.protocol(), version, policyNamespace, needs);
        List<List<Criterion>> destinations = side(rule.destination(), Side.DESTINATION, rule.protocol(), version,
                policyNamespace, needs);
        List<Criterion> icmp = new ArrayList<>();
        if (rule.icmp() != null) {
            icmp.add(new Criterion.IcmpIs(rule.icmp(), false));
        }
        if (rule.notICMP() != null) {
            icmp.add(new Criterion.IcmpIs(rule.notICMP(), true));
        }
        List<Match> matches = new ArrayList<>();
        for (List<Criterion> source : sources) {
            for (List<Criterion> destination : destinations) {
                List<Criterion> all = new ArrayList<>(common);
                all.addAll(source);
                all.addAll(destination);
                all.addAll(icmp);
                matches.add(new Match(all));
            }
        }
        List<ProgramRule> rules = new ArrayList<>();
        Action action = rule.action();
        if (action == Action.PASS && !inPolicy) {
            matches.forEach(match -> rules.add(new ProgramRule(match, Verdict.RETURN, origin)));
            return rules;
        }
        switch (action) {
            case DENY -> matches.forEach(match -> {
                if (logDrops) {
                    rules.add(DropLog.before(match, origin));
                }
                rules.add(new ProgramRule(match, Verdict.DROP, origin));
            });
            case LOG -> matches.forEach(match -> rules.add(new ProgramRule(match, new Verdict.Log(logPrefix), origin)));
            case ALLOW, PASS -> {
                int bit = action == Action.ALLOW ? Marks.ACCEPT : Marks.PASS;
                matches.forEach(match -> rules.add(new ProgramRule(match, new Verdict.SetMark(bit), origin)));
                rules.add(new ProgramRule(Match.of(new Criterion.MarkIs(bit, bit)), Verdict.RETURN, origin));
            }
        }
        return rules;
    }

    /**
     * The criteria of one side, one list per port alternative (a single list
     * when the side does not restrict ports), each in a fixed order: nets, notNets, tag, selector, notSelector,
     * notPorts, ports.
     */
    private static List<List<Criterion>> side(EntityMatch side, Side which, Protocol protocol, int version,
                                              String policyNamespace, CompiledChain.Needs needs) {
        List<Criterion> fixed = new ArrayList<>();
        List<Cidr> nets = side.nets(version);
        if (!nets.isEmpty()) {
            fixed.add(nets(nets, which, false, nets.size() == 1, version, needs));
        }
        List<Cidr> notNets = side.notNets(version);
        if (!notNets.isEmpty()) {
            // iptables takes one -s (-d) per rule: with nets, notNets go into a set even when there is one
            fixed.add(nets(notNets, which, true, notNets.size() == 1 && nets.isEmpty(), version, needs));
        }
        if (side.tag() != null) {
            needs.tags.add(side.tag());
            fixed.add(new Criterion.InSet(which, DataplaneNames.tagSet(side.tag(), version), false, false));
        }
        Selector positive = positive(side, policyNamespace);
        if (positive != null) {
            fixed.add(selectorSet(SetKey.of(positive, version), which, false, needs));
        }
        if (side.notSelector() != null) {
            fixed.add(selectorSet(SetKey.of(Selector.parse(side.notSelector()), version), which, true, needs));
        }
        if (side.notPorts() != null) {
            fixed.add(new Criterion.PortsIn(which, side.notPorts().ranges(), true));
        }
        List<List<Criterion>> alternatives = new ArrayList<>();
        Ports ports = side.ports();
        if (ports == null) {
            alternatives.add(fixed);
            return alternatives;
        }
        if (!ports.ranges().isEmpty()) {
            List<Criterion> numeric = new ArrayList<>(fixed);
            numeric.add(new Criterion.PortsIn(which, ports.ranges(), false));
            alternatives.add(numeric);
        }
        Selector owners = positive == null ? Selector.all() : positive;
        for (String name : ports.names()) {
            List<Criterion> named = new ArrayList<>(fixed);
            named.add(selectorSet(SetKey.namedPort(owners, protocol, name, version), which, false, needs));
            alternatives.add(named);
        }
        return alternatives;
    }

    /**
     * The effective selector of a side (docs/policy.md): in a NetworkPolicy, as soon as the side has a selector,
     * notSelector or namespaceSelector, scoped to the policy's namespace or to the namespaceSelector's namespaces;
     * elsewhere the selector as written, and-ed with the namespaceSelector if any. Null when the side does not
     * select by labels.
     */
    static Selector positive(EntityMatch side, String policyNamespace) {
        Selector selector = side.selector() == null ? Selector.all() : Selector.parse(side.selector());
        Selector namespaces = side.namespaceSelector() == null ? null
                : Selector.parse(side.namespaceSelector()).overNamespaceLabels(EndpointLabels.NAMESPACE_PREFIX);
        if (policyNamespace != null) {
            if (side.selector() == null && side.notSelector() == null && namespaces == null) {
                return null;
            }
            Selector scope = namespaces != null ? namespaces
                    : Selector.parse(EndpointLabels.NAMESPACE + " == \"" + policyNamespace + "\"");
            return scope.and(selector);
        }
        if (namespaces != null) {
            return namespaces.and(selector);
        }
        return side.selector() == null ? null : selector;
    }

    /**
     * notNets with a whole address space (/0) leave no address of that family: the rule matches nothing there, and
     * the kernel refuses "! -s 0.0.0.0/0" anyway.
     */
    private static boolean excludesEverything(EntityMatch side, int version) {
        return side.notNets(version).stream().anyMatch(net -> net.prefixLength() == 0);
    }

    private static Criterion selectorSet(SetKey key, Side which, boolean negated, CompiledChain.Needs needs) {
        needs.selectorSets.add(key);
        return new Criterion.InSet(which, key.name(), key.isNamedPort(), negated);
    }

    /** One net may be matched directly; several by a set of their own (iptables takes no "! -s a,b"). */
    private static Criterion nets(List<Cidr> nets, Side which, boolean negated, boolean direct, int version,
                                  CompiledChain.Needs needs) {
        if (direct) {
            return new Criterion.NetIs(which, nets.get(0), negated);
        }
        String name = DataplaneNames.netSet(nets, version);
        java.util.Set<String> members = new java.util.HashSet<>();
        nets.forEach(net -> members.addAll(IpSetMembers.net(net)));
        needs.netSets.put(name, new IpSetSpec(name, version, members));
        return new Criterion.InSet(which, name, false, negated);
    }
}
