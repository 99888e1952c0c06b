package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.DropLog;
import org.jcalico.felix.program.Marks;
import org.jcalico.felix.program.Match;
import org.jcalico.felix.program.Origin;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Verdict;
import org.jcalico.model.Action;
import org.jcalico.model.Direction;
import org.jcalico.model.Policy;
import org.jcalico.model.Tier;

/**
 * An endpoint's chain for one direction (jc-fw-IF from it, jc-tw-IF to it), as docs/dataplane.md draws it:
 * connection state first; then, per tier with applying policies, a jump to each policy while neither the accept nor
 * the pass mark is set, a return (allow) on the accept mark, the end-of-tier drop unless a policy passed (tiers with
 * defaultAction Deny), and the pass mark cleared for the next tier; then the profiles, each followed by a return on
 * the accept mark; then a drop. Returning from it means "allowed in this direction". With the denied-flow log on, each
 * drop but the connection-state one is preceded by its log rule (DropLog).
 */
final class EndpointChains {
    private static final Match NO_MARK = Match.of(new Criterion.MarkIs(0, Marks.BOTH));
    private static final Match ACCEPTED = Match.of(new Criterion.MarkIs(Marks.ACCEPT, Marks.ACCEPT));
    private static final Match NOT_PASSED = Match.of(new Criterion.MarkIs(0, Marks.PASS));

    /** The applying policies of one tier, in policy order. */
    record TierPolicies(Tier tier, List<CompiledPolicy> policies) {
    }

    private EndpointChains() {
    }

    static ProgramChain chain(String name, String endpointId, Direction direction, List<TierPolicies> tiers,
                              List<String> profiles, boolean logDrops) {
        List<ProgramRule> rules = new ArrayList<>(start());
        for (TierPolicies tier : tiers) {
            String tierName = tier.tier().name();
            for (CompiledPolicy policy : tier.policies()) {
                rules.add(policy.entry(tierName, direction));
            }
            rules.add(new ProgramRule(ACCEPTED, Verdict.RETURN, new Origin.Structural(("allowed in tier " + tierName).intern())));
            if (tier.tier().spec().defaultAction() == Action.DENY) {
                drop(rules, NOT_PASSED, new Origin.EndOfTier(tierName, endpointId, direction), logDrops);
            }
            rules.add(ProgramRule.structural(Match.ANY, new Verdict.ClearMark(Marks.PASS)));
        }
        for (String profile : profiles) {
            rules.add(new ProgramRule(Match.ANY, new Verdict.Jump(DataplaneNames.profile(profile, direction)),
                    new Origin.ProfileEntry(profile, direction)));
            rules.add(new ProgramRule(ACCEPTED, Verdict.RETURN, new Origin.Structural(("allowed by profile " + profile).intern())));
        }
        drop(rules, Match.ANY, new Origin.EndpointDrop(endpointId, direction), logDrops);
        return new ProgramChain(name, rules);
    }

    /** The rule of an endpoint's chain that jumps to POLICY's chain of DIRECTION, a policy of TIER (CompiledPolicy). */
    static ProgramRule entry(Policy policy, String tier, Direction direction) {
        return new ProgramRule(NO_MARK, new Verdict.Jump(DataplaneNames.policy(policy, direction)),
                new Origin.PolicyEntry(policy.id(), tier, direction));
    }

    private static void drop(List<ProgramRule> rules, Match match, Origin origin, boolean logDrops) {
        if (logDrops) {
            rules.add(DropLog.before(match, origin));
        }
        rules.add(new ProgramRule(match, Verdict.DROP, origin));
    }

    /**
     * The chain of an endpoint that calc keeps dropped in this direction (see HostState.failedClosed): everything,
     * established connections too, as when the kernel refuses its chain.
     */
    static ProgramChain failedClosed(String name, String endpointId, Direction direction, String reason) {
        return new ProgramChain(name, List.of(
                new ProgramRule(Match.ANY, Verdict.DROP, new Origin.FailedClosed(endpointId, direction, reason))));
    }

    /**
     * Established first: it is what nearly every packet is, and a packet is never both established and invalid, so
     * the order changes no verdict and saves established packets a rule.
     */
    private static List<ProgramRule> start() {
        return List.of(
                ProgramRule.structural(Match.of(new Criterion.ConntrackState(List.of("RELATED", "ESTABLISHED"))),
                        Verdict.ACCEPT),
                ProgramRule.structural(Match.of(new Criterion.ConntrackState(List.of("INVALID"))), Verdict.DROP),
                ProgramRule.structural(Match.ANY, new Verdict.ClearMark(Marks.BOTH)));
    }
}
