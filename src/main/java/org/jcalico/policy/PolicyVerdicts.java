package org.jcalico.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.model.Action;
import org.jcalico.model.Direction;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.Tier;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;

/**
 * What the policy model decides for a packet, step by step, exactly as docs/policy.md's "Evaluation" says: for each
 * direction the tiers that hold a policy applying to the endpoint, in order, their applying policies in order and
 * each policy's rules in order, until a rule allows or denies, a tier ends, or the endpoint's profiles decide.
 * Pure: `policy explain` compares it with what the kernel did, `apply --dry-run` reads which policies apply.
 */
public final class PolicyVerdicts {
    private final PolicyCluster cluster;
    private final RuleMatcher matcher;

    public PolicyVerdicts(PolicyCluster cluster) {
        this.cluster = cluster;
        this.matcher = new RuleMatcher(cluster);
    }

    /** A tier and those of its policies that apply to one endpoint in one direction, in policy order. */
    public record TierPolicies(Tier tier, List<Policy> policies) {
        public TierPolicies {
            policies = List.copyOf(policies);
        }
    }

    /** The packet's verdicts, with its endpoints found by address (none: an address outside). */
    public Explanation explain(Packet packet) {
        return explain(packet, cluster.endpointAt(packet.source()), cluster.endpointAt(packet.destination()));
    }

    /** @param source the endpoint that sends the packet, or null; destination likewise */
    public Explanation explain(Packet packet, WorkloadEndpoint source, WorkloadEndpoint destination) {
        return new Explanation(packet, verdict(source, Direction.OUTBOUND, packet), verdict(destination, Direction.INBOUND, packet));
    }

    /** One direction: the egress of the sending endpoint (OUTBOUND) or the ingress of the receiving one (INBOUND). */
    public Verdict verdict(WorkloadEndpoint endpoint, Direction direction, Packet packet) {
        if (endpoint == null) {
            return new Verdict(direction, null, List.of(), new Hit.Unchecked());
        }
        List<Hit> path = new ArrayList<>();
        for (TierPolicies tier : applying(endpoint, direction)) {
            Hit end = tierVerdict(tier, direction, packet, path);
            if (end != null) {
                return new Verdict(direction, endpoint.endpointId(), path, end);
            }
        }
        return new Verdict(direction, endpoint.endpointId(), path, profiles(endpoint, direction, packet, path));
    }

    /** The deciding hit of one tier, or null when the tier passes the packet on (recorded in path). */
    private Hit tierVerdict(TierPolicies tier, Direction direction, Packet packet, List<Hit> path) {
        String tierName = tier.tier().name();
        for (Policy policy : tier.policies()) {
            List<Rule> rules = policy.spec().rules(direction);
            for (int index = 0; index < rules.size(); index++) {
                Rule rule = rules.get(index);
                if (!matcher.matches(rule, policy.namespace(), packet)) {
                    continue;
                }
                Hit hit = new Hit.PolicyRule(tierName, policy.id(), index, rule.action());
                switch (rule.action()) {
                    case ALLOW, DENY -> {
                        return hit;
                    }
                    case PASS -> {
                        path.add(hit);
                        return null;
                    }
                    case LOG -> path.add(hit);
                }
            }
        }
        Hit end = new Hit.TierEnd(tierName, tier.tier().spec().defaultAction());
        if (tier.tier().spec().defaultAction() == Action.PASS) {
            path.add(end);
            return null;
        }
        return end;
    }

    /**
     * Profiles in the endpoint's order: Allow and Deny decide, Log goes on, Pass ends the profile (on to the next,
     * as the profile's chain returns); what none decided is dropped.
     */
    private Hit profiles(WorkloadEndpoint endpoint, Direction direction, Packet packet, List<Hit> path) {
        if (endpoint.profileIds().isEmpty()) {
            return new Hit.NoProfile();
        }
        for (String name : endpoint.profileIds()) {
            Profile profile = cluster.profiles().get(name);
            if (profile == null) {
                path.add(new Hit.MissingProfile(name));
                continue;
            }
            List<Rule> rules = profile.rules(direction);
            for (int index = 0; index < rules.size(); index++) {
                Rule rule = rules.get(index);
                if (!matcher.matches(rule, null, packet)) {
                    continue;
                }
                Hit hit = new Hit.ProfileRule(name, index, rule.action());
                if (rule.action() == Action.ALLOW || rule.action() == Action.DENY) {
                    return hit;
                }
                path.add(hit);
                if (rule.action() == Action.PASS) {
                    break;
                }
            }
        }
        return new Hit.ProfilesEnd(endpoint.profileIds());
    }

    /**
     * The policies that apply to an endpoint in a direction, grouped by tier in tier order (tiers without one left
     * out): those whose types contain the direction, whose selector matches the endpoint's labels, and that are in
     * its namespace (a NetworkPolicy) or whose namespaceSelector matches its namespace's labels (a global one).
     */
    public List<TierPolicies> applying(WorkloadEndpoint endpoint, Direction direction) {
        Map<String, String> labels = cluster.labels(endpoint);
        Map<String, List<Policy>> byTier = new TreeMap<>();
        for (Policy policy : cluster.policies()) {
            if (applies(policy, endpoint, labels, direction)) {
                byTier.computeIfAbsent(policy.spec().tier(), tier -> new ArrayList<>()).add(policy);
            }
        }
        List<TierPolicies> tiers = new ArrayList<>();
        byTier.forEach((name, policies) -> {
            policies.sort(PolicyCluster.POLICY_ORDER);
            tiers.add(new TierPolicies(cluster.tier(name), policies));
        });
        tiers.sort((a, b) -> PolicyCluster.TIER_ORDER.compare(a.tier(), b.tier()));
        return tiers;
    }

    private boolean applies(Policy policy, WorkloadEndpoint endpoint, Map<String, String> labels, Direction direction) {
        if (!policy.spec().governs(direction) || !Selector.parse(policy.spec().selector()).matches(labels)) {
            return false;
        }
        if (policy instanceof NetworkPolicy) {
            return policy.namespace().equals(endpoint.namespace());
        }
        String namespaceSelector = policy.spec().namespaceSelector();
        return namespaceSelector == null
                || Selector.parse(namespaceSelector).matches(cluster.namespaceLabels(endpoint.namespace()));
    }
}
