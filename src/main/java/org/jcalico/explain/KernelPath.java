package org.jcalico.explain;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.program.Origin;
import org.jcalico.model.Action;
import org.jcalico.policy.Hit;

/**
 * The kernel's verdict in one direction, read from counters: starting at the endpoint's chain, the rules that
 * counted the probe in the order a packet meets them (a jump is followed where it stands), each told by the origin
 * the node's desired state gives its tag. Log and Pass rules form the path; the first rule that accepts or drops is
 * the decision.
 *
 * @param decision null when no rule of the endpoint's chains counted the probe
 */
public record KernelPath(List<KernelStep> path, KernelStep decision) {
    public KernelPath {
        path = List.copyOf(path);
    }

    /**
     * @param counted what counted since before the probe, in the endpoint's host and family
     * @param origins the origin of every rule the node's desired state has, by tag
     */
    public static KernelPath read(RuleCounters counted, String endpointChain, Map<String, Origin> origins) {
        List<KernelStep> path = new ArrayList<>();
        List<KernelStep> plumbing = new ArrayList<>();
        KernelStep decision = walk(counted, endpointChain, origins, path, plumbing, new HashSet<>());
        return new KernelPath(path, decision != null ? decision : plumbing.isEmpty() ? null : plumbing.get(0));
    }

    /**
     * The first deciding rule of the model's or of nobody's. A connection's later packets (the probe's handshake,
     * its close) pass the connection-tracking accept at the top of the chain: plumbing that decides is the decision
     * only when nothing else did. A rule rendered as several (mark, then return) counts once on the path.
     */
    private static KernelStep walk(RuleCounters counted, String chain, Map<String, Origin> origins, List<KernelStep> path,
                                   List<KernelStep> plumbing, Set<String> visited) {
        if (!visited.add(chain)) {
            return null;
        }
        for (RuleCounters.CountedRule rule : counted.chains().getOrDefault(chain, List.of())) {
            if (rule.packets() == 0) {
                continue;
            }
            KernelStep step = step(chain, rule, origins);
            if (step instanceof KernelStep.Plumbing) {
                plumbing.add(step);
            } else if (step != null && step.decides()) {
                return step;
            } else if (step != null && (path.isEmpty() || !path.get(path.size() - 1).equals(step))) {
                path.add(step);
            }
            if (rule.jump() != null && counted.chains().containsKey(rule.jump())) {
                KernelStep inner = walk(counted, rule.jump(), origins, path, plumbing, visited);
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }

    /** The rule as a step, or null for plumbing that neither decides nor belongs to the model's path. */
    private static KernelStep step(String chain, RuleCounters.CountedRule rule, Map<String, Origin> origins) {
        Origin origin = rule.hash() == null ? null : origins.get(rule.hash());
        String target = rule.ends();
        return switch (origin) {
            case null -> target == null ? null : new KernelStep.Other(chain, rule.spec(), null, target.equals("ACCEPT"));
            case Origin.PolicyRule p -> new KernelStep.Modelled(new Hit.PolicyRule(p.tier(), p.policy(), p.index(), p.action()));
            case Origin.ProfileRule p -> new KernelStep.Modelled(new Hit.ProfileRule(p.profile(), p.index(), p.action()));
            case Origin.EndOfTier end -> new KernelStep.Modelled(new Hit.TierEnd(end.tier(), Action.DENY));
            case Origin.EndpointDrop drop -> new KernelStep.EndpointDrop();
            case Origin.FailedClosed failed -> new KernelStep.Other(chain, rule.spec(),
                    "the endpoint's policy failed closed (" + failed.reason() + ")", false);
            case Origin.Structural structural -> target == null ? null
                    : new KernelStep.Plumbing(chain, rule.spec(), structural.what(), target.equals("ACCEPT"));
            case Origin.PolicyEntry entry -> null;
            case Origin.ProfileEntry entry -> null;
            case Origin.SharedEntry entry -> null;
        };
    }
}
