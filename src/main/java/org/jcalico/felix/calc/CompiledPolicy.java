package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.jcalico.felix.program.Origin;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.model.Direction;
import org.jcalico.model.Policy;
import org.jcalico.model.Rule;
import org.jcalico.model.selector.Selector;
import org.jcalico.policy.EndpointLabels;

/**
 * A policy made ready for the dataplane: its selectors parsed, and its chain per direction it governs and IP
 * family, rendered once and shared by every local endpoint it applies to.
 */
final class CompiledPolicy {
    private final Policy policy;
    private final Selector selector;
    private final Selector namespaceSelector;
    private final Map<Direction, Map<Integer, CompiledChain>> chains = new HashMap<>();
    /**
     * The rule of an endpoint's chain that jumps to this policy's chain, per direction it governs: one object for
     * every local endpoint the policy applies to (with 1,000 endpoints, a copy each of the rule, its jump and origin
     * and their strings was 9 MB of `bench policy`'s heap).
     */
    private final Map<Direction, ProgramRule> entries = new EnumMap<>(Direction.class);
    private final boolean logDrops;

    /** @param logDrops whether its Deny rules log what they drop (the denied-flow log) */
    CompiledPolicy(Policy policy, boolean logDrops) {
        this.policy = policy;
        this.logDrops = logDrops;
        this.selector = Selector.parse(policy.spec().selector());
        this.namespaceSelector = policy.spec().namespaceSelector() == null ? null
                : Selector.parse(policy.spec().namespaceSelector()).overNamespaceLabels(EndpointLabels.NAMESPACE_PREFIX);
        for (Direction direction : Direction.values()) {
            if (policy.spec().governs(direction)) {
                Map<Integer, CompiledChain> byVersion = new HashMap<>();
                for (int version : List.of(4, 6)) {
                    byVersion.put(version, compile(direction, version));
                }
                chains.put(direction, byVersion);
                entries.put(direction, EndpointChains.entry(policy, policy.spec().tier(), direction));
            }
        }
    }

    Policy policy() {
        return policy;
    }

    /** Whether the policy selects an endpoint of this namespace with these effective labels (in the directions it governs). */
    boolean appliesTo(String namespace, SortedMap<String, String> labels) {
        if (policy.namespace() != null && !policy.namespace().equals(namespace)) {
            return false;
        }
        return selector.matches(labels) && (namespaceSelector == null || namespaceSelector.matches(labels));
    }

    /** The rule that jumps to this policy's chain of DIRECTION from an endpoint's chain, as a policy of TIER. */
    ProgramRule entry(String tier, Direction direction) {
        ProgramRule entry = entries.get(direction);
        return entry != null && ((Origin.PolicyEntry) entry.origin()).tier().equals(tier) ? entry
                : EndpointChains.entry(policy, tier, direction);
    }

    CompiledChain chain(Direction direction, int version) {
        return chains.get(direction).get(version);
    }

    private CompiledChain compile(Direction direction, int version) {
        String name = DataplaneNames.policy(policy, direction);
        CompiledChain.Needs needs = new CompiledChain.Needs();
        List<ProgramRule> rules = new ArrayList<>();
        List<Rule> policyRules = policy.spec().rules(direction);
        for (int i = 0; i < policyRules.size(); i++) {
            Rule rule = policyRules.get(i);
            if (rule.versions().contains(version)) {
                Origin origin = new Origin.PolicyRule(policy.id(), policy.spec().tier(), direction, i, rule.action());
                rules.addAll(RuleCompiler.compile(rule, version, policy.namespace(), true, origin, name + ":" + i, logDrops, needs));
            }
        }
        return needs.chain(new ProgramChain(name, rules));
    }
}
