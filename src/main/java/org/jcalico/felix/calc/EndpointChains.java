package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>Everything but the chain's name depends only on the endpoint's tiers, policies and profiles, so endpoints
 * with the same ones jump to one chain holding it, connection state included ({@link #shared}, named by them): every transaction that adds a
 * rule makes the kernel validate each chain its hooks reach once, however many jumps reach it (docs/dataplane.md,
 * "What a change costs in the kernel"), so a thousand endpoints of 250 kinds cost 250 bodies, not a thousand. Its
 * drops name no endpoint: the denied-flow log finds it by the packet's address (DropAttribution), which is why an
 * endpoint that address cannot tell (one that may send from other prefixes, or has a net wider than one address) keeps
 * the body in its own chain ({@link #own}).
 */
final class EndpointChains {
    private static final Match NO_MARK = Match.of(new Criterion.MarkIs(0, Marks.BOTH));
    private static final Match ACCEPTED = Match.of(new Criterion.MarkIs(Marks.ACCEPT, Marks.ACCEPT));
    private static final Match NOT_PASSED = Match.of(new Criterion.MarkIs(0, Marks.PASS));
    private static final Origin INBOUND_ENTRY = new Origin.SharedEntry(Direction.INBOUND);
    private static final Origin OUTBOUND_ENTRY = new Origin.SharedEntry(Direction.OUTBOUND);

    /** The applying policies of one tier, in policy order (never none). */
    record TierPolicies(Tier tier, List<CompiledPolicy> policies) {
    }

    private EndpointChains() {
    }

    /** The endpoint's chain holding its whole policy itself, its drops naming it. */
    static ProgramChain own(String name, String endpointId, Direction direction, List<TierPolicies> tiers,
                            List<String> profiles, boolean logDrops) {
        List<ProgramRule> rules = new ArrayList<>(start(direction));
        rules.addAll(body(endpointId, direction, tiers, profiles, logDrops));
        return new ProgramChain(name, rules);
    }

    /**
     * The endpoint's chain that leaves its policy, connection state included, to the shared chain SHARED: one jump,
     * which returns (allows) when that returns. The connection state went into the shared chain (session 27): the
     * kernel validates every rule its hooks reach on each transaction that adds a rule, and the three connection-state
     * rules of each endpoint's two chains were 6,000 of the 10,000 reachable rules a family holds at 1,000 endpoints
     * (xtables matches and targets, the costliest to validate): one endpoint's arrival committed in 2.9 ms with them in
     * each endpoint's chain and 0.7 ms with them in the shared one (docs/dataplane.md, "Where a change's time goes").
     * An established packet meets one jump more on its way; no verdict changes.
     */
    static ProgramChain entering(String name, String shared, Direction direction) {
        return new ProgramChain(name, List.of(new ProgramRule(Match.ANY, new Verdict.Jump(shared),
                direction == Direction.INBOUND ? INBOUND_ENTRY : OUTBOUND_ENTRY)));
    }

    /**
     * What names the shared chain of every endpoint with these tiers' policies and these profiles in DIRECTION: its
     * text, by which it compares (the same text for the same ones in every calculation, and in both IP families:
     * nothing in the chain depends on the family), and what the chain is made of.
     */
    record SharedKey(String text, Direction direction, List<TierPolicies> tiers, List<String> profiles,
                     boolean logDrops) {
        @Override
        public boolean equals(Object other) {
            return other instanceof SharedKey key && key.text.equals(text);
        }

        @Override
        public int hashCode() {
            return text.hashCode();
        }
    }

    static SharedKey sharedKey(Direction direction, List<TierPolicies> tiers, List<String> profiles, boolean logDrops) {
        StringBuilder key = new StringBuilder().append(direction).append('\n').append(logDrops);
        for (TierPolicies tier : tiers) {
            key.append("\ntier ").append(tier.tier().name()).append(' ').append(tier.tier().spec().defaultAction());
            tier.policies().forEach(policy -> key.append("\npolicy ").append(policy.policy().id()));
        }
        profiles.forEach(profile -> key.append("\nprofile ").append(profile));
        return new SharedKey(key.toString(), direction, tiers, profiles, logDrops);
    }

    /**
     * The chain of the policy of every endpoint with KEY's tiers' policies and profiles, named by its text. It uses no
     * set itself; the policy and profile chains it jumps to are counted as the endpoint's own. Made once per key and
     * calculation (HostStateCalculator): a thousand endpoints of 250 kinds, in two families, asked for it 4,000 times.
     */
    static CompiledChain shared(SharedKey key) {
        List<ProgramRule> rules = new ArrayList<>(start(key.direction()));
        rules.addAll(body(null, key.direction(), key.tiers(), key.profiles(), key.logDrops()));
        ProgramChain chain = new ProgramChain(DataplaneNames.sharedPolicy(key.text(), key.direction()), rules);
        return new CompiledChain(chain, Set.of(), Map.of(), Set.of());
    }

    /** The policy after the connection state: its drops name ENDPOINTID, or nobody (null) in a shared chain. */
    private static List<ProgramRule> body(String endpointId, Direction direction, List<TierPolicies> tiers,
                                          List<String> profiles, boolean logDrops) {
        List<ProgramRule> rules = new ArrayList<>();
        for (TierPolicies tier : tiers) {
            String tierName = tier.tier().name();
            for (CompiledPolicy policy : tier.policies()) {
                rules.add(policy.entry(tierName, direction));
            }
            rules.add(new ProgramRule(ACCEPTED, Verdict.RETURN, new Origin.Structural(("allowed in tier " + tierName).intern())));
            if (tier.tier().spec().defaultAction() == Action.DENY) {
                String last = tier.policies().get(tier.policies().size() - 1).policy().id();
                drop(rules, NOT_PASSED, new Origin.EndOfTier(tierName, last, endpointId, direction), logDrops);
            }
            rules.add(ProgramRule.structural(Match.ANY, new Verdict.ClearMark(Marks.PASS)));
        }
        for (String profile : profiles) {
            rules.add(new ProgramRule(Match.ANY, new Verdict.Jump(DataplaneNames.profile(profile, direction)),
                    new Origin.ProfileEntry(profile, direction)));
            rules.add(new ProgramRule(ACCEPTED, Verdict.RETURN, new Origin.Structural(("allowed by profile " + profile).intern())));
        }
        drop(rules, Match.ANY, new Origin.EndpointDrop(endpointId, direction), logDrops);
        return rules;
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
     * The chain of an endpoint that calc keeps dropped in this direction (see HostState.failedClosed): every
     * connection of this direction, established ones too; only the replies of the other direction's connections
     * pass, which that direction's chain decided (an endpoint whose ingress fails closed still opens connections
     * out and gets their answers). The driver's isolation of a chain the kernel refused is all drop, both ways.
     */
    static ProgramChain failedClosed(String name, String endpointId, Direction direction, String reason) {
        return new ProgramChain(name, List.of(
                ProgramRule.structural(Match.of(new Criterion.ConntrackState(List.of("RELATED", "ESTABLISHED")),
                        new Criterion.ConntrackReply()), passed(direction)),
                new ProgramRule(Match.ANY, Verdict.DROP, new Origin.FailedClosed(endpointId, direction, reason))));
    }

    /**
     * The chain of an endpoint isolated on purpose (its state is not active: Calico's admin-down) in this direction:
     * everything dropped, the replies of the other direction's connections too, so that neither a connection it
     * opened before nor one opened to it goes on (EstablishedFlowKernelTest).
     */
    static ProgramChain isolated(String name, String endpointId, Direction direction, String reason) {
        return new ProgramChain(name, List.of(
                new ProgramRule(Match.ANY, Verdict.DROP, new Origin.FailedClosed(endpointId, direction, reason))));
    }

    /** What a packet this chain lets through meets: inbound the end (the receiver's chain is the last), outbound the rest. */
    private static Verdict passed(Direction direction) {
        return direction == Direction.INBOUND ? Verdict.ACCEPT : Verdict.RETURN;
    }

    /**
     * Established first: it is what nearly every packet is, and a packet is never both established and invalid, so
     * the order changes no verdict and saves established packets a rule. Inbound it accepts: the receiver's chain is
     * the last a forwarded packet meets. Outbound it returns ("allowed in this direction"), as the policy does: an
     * accept there ended the FORWARD hook before jc-FORWARD's to-workload dispatch, so an established packet from one
     * local workload to another never met the receiver's chain, and a receiver that calc keeps dropped, or whose
     * chain the driver holds drop-only, kept every established flow from a sender on its own host
     * (EstablishedFlowKernelTest). A packet leaving for another host pays two rules more for it (jc-FORWARD's
     * to-workload test and its accept).
     */
    private static List<ProgramRule> start(Direction direction) {
        return List.of(
                ProgramRule.structural(Match.of(new Criterion.ConntrackState(List.of("RELATED", "ESTABLISHED"))),
                        passed(direction)),
                ProgramRule.structural(Match.of(new Criterion.ConntrackState(List.of("INVALID"))), Verdict.DROP),
                ProgramRule.structural(Match.ANY, new Verdict.ClearMark(Marks.BOTH)));
    }
}
