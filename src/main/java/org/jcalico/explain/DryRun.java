package org.jcalico.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.ClusterReading;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Direction;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.PolicyVerdicts;
import org.jcalico.policy.Verdict;

/**
 * What applying resources would change, node by node, computed with the agents' own calculation from the store as it
 * is and as it would be: the endpoints whose effective policy changes (the policies that apply, by tier, then the
 * profiles, per direction) and the chains and ipsets that would be added, changed or removed.
 */
public record DryRun(List<NodeChanges> nodes) {
    public DryRun {
        nodes = List.copyOf(nodes);
    }

    public record NodeChanges(String node, List<EndpointChange> endpoints, List<ObjectChange> chains,
                              List<ObjectChange> ipSets) {
        public NodeChanges {
            endpoints = List.copyOf(endpoints);
            chains = List.copyOf(chains);
            ipSets = List.copyOf(ipSets);
        }

        public boolean unchanged() {
            return endpoints.isEmpty() && chains.isEmpty() && ipSets.isEmpty();
        }
    }

    /** An endpoint's policy in one direction: "tier/policy" entries in evaluation order, then "profile NAME". */
    public record EndpointChange(String endpoint, String container, String direction, List<String> before, List<String> after) {
    }

    /**
     * A chain (name with its table and family, e.g. "filter jc-pi-web (IPv4)") or an ipset.
     *
     * @param change  added, removed or changed
     * @param added   rules or members the new one has that the old one has not (all of them when added)
     * @param removed the other way round
     */
    public record ObjectChange(String name, String change, int added, int removed) {
    }

    public static DryRun of(ClusterReading before, ClusterReading after) {
        Set<String> nodes = new TreeSet<>(before.nodesWithEndpoints());
        nodes.addAll(after.nodesWithEndpoints());
        PolicyVerdicts oldModel = new PolicyVerdicts(before.policyCluster());
        PolicyVerdicts newModel = new PolicyVerdicts(after.policyCluster());
        List<WorkloadEndpoint> endpoints = after.policyCluster().endpoints();
        List<NodeChanges> changes = new ArrayList<>();
        for (String node : nodes) {
            List<EndpointChange> endpointChanges = new ArrayList<>();
            for (WorkloadEndpoint endpoint : endpoints) {
                if (!endpoint.node().equals(node)) {
                    continue;
                }
                for (Direction direction : List.of(Direction.INBOUND, Direction.OUTBOUND)) {
                    List<String> was = effective(oldModel, endpoint, direction);
                    List<String> will = effective(newModel, endpoint, direction);
                    if (!was.equals(will)) {
                        endpointChanges.add(new EndpointChange(endpoint.endpointId(), endpoint.containerId(),
                                Verdict.name(direction), was, will));
                    }
                }
            }
            HostState oldState = before.desiredState(node);
            HostState newState = after.desiredState(node);
            changes.add(new NodeChanges(node, endpointChanges, chains(oldState, newState), ipSets(oldState, newState)));
        }
        return new DryRun(changes);
    }

    private static List<String> effective(PolicyVerdicts model, WorkloadEndpoint endpoint, Direction direction) {
        List<String> applied = new ArrayList<>();
        for (PolicyVerdicts.TierPolicies tier : model.applying(endpoint, direction)) {
            tier.policies().forEach(policy -> applied.add(tier.tier().name() + "/" + policy.id()));
        }
        endpoint.profileIds().forEach(profile -> applied.add("profile " + profile));
        return applied;
    }

    private static List<ObjectChange> chains(HostState before, HostState after) {
        Map<String, List<String>> old = chainRules(before);
        Map<String, List<String>> now = chainRules(after);
        return diff(old, now);
    }

    /** Every chain's rules, keyed "TABLE NAME (IPvN)". */
    private static Map<String, List<String>> chainRules(HostState state) {
        Map<String, List<String>> rules = new TreeMap<>();
        for (int family : List.of(4, 6)) {
            state.iptables(family).tables().forEach((table, chains) -> {
                for (Chain chain : chains.values()) {
                    rules.put(table + " " + chain.name() + " (IPv" + family + ")", chain.inlineRules());
                }
            });
        }
        return rules;
    }

    private static List<ObjectChange> ipSets(HostState before, HostState after) {
        Map<String, List<String>> old = new TreeMap<>();
        before.ipSets().forEach((name, set) -> old.put(name, members(set)));
        Map<String, List<String>> now = new TreeMap<>();
        after.ipSets().forEach((name, set) -> now.put(name, members(set)));
        return diff(old, now);
    }

    private static List<String> members(IpSetSpec set) {
        return List.copyOf(new TreeSet<>(set.members()));
    }

    private static List<ObjectChange> diff(Map<String, List<String>> before, Map<String, List<String>> after) {
        Set<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        List<ObjectChange> changes = new ArrayList<>();
        for (String name : names) {
            List<String> old = before.get(name);
            List<String> now = after.get(name);
            if (old == null) {
                changes.add(new ObjectChange(name, "added", now.size(), 0));
            } else if (now == null) {
                changes.add(new ObjectChange(name, "removed", 0, old.size()));
            } else if (!old.equals(now)) {
                changes.add(new ObjectChange(name, "changed", missing(now, old), missing(old, now)));
            }
        }
        return changes;
    }

    /** How many of {@code items} (counted with repeats) {@code other} lacks. */
    private static int missing(List<String> items, List<String> other) {
        Map<String, Integer> left = new HashMap<>();
        other.forEach(item -> left.merge(item, 1, Integer::sum));
        int missing = 0;
        for (String item : items) {
            Integer count = left.get(item);
            if (count == null || count == 0) {
                missing++;
            } else {
                left.put(item, count - 1);
            }
        }
        return missing;
    }
}
