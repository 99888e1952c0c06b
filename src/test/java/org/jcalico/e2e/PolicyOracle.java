package org.jcalico.e2e;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.e2e.RandomPolicy.Policy;
import org.jcalico.e2e.RandomPolicy.Rule;
import org.jcalico.e2e.RandomPolicy.Scenario;
import org.jcalico.e2e.RandomPolicy.Selector;
import org.jcalico.e2e.RandomPolicy.Side;
import org.jcalico.e2e.RandomPolicy.Tier;

/**
 * An independent reading of docs/policy.md ("The labels a selector sees", "The effective selector of a rule side",
 * "Evaluation"), written from that page alone and never from jcalico's policy code, for the differential test: does
 * traffic from one pod to another get through, given a scenario and pods whose profile allows everything?
 */
public final class PolicyOracle {
    private static final String DIRECTION_INGRESS = "Ingress";
    private static final String DIRECTION_EGRESS = "Egress";
    private static final double DEFAULT_TIER_ORDER = 1_000_000;

    private final Scenario scenario;

    public PolicyOracle(Scenario scenario) {
        this.scenario = scenario;
    }

    /** Both checks: the source's egress and the destination's ingress. */
    public boolean allowed(Pod from, Pod to, Traffic traffic) {
        return decide(from, DIRECTION_EGRESS, from, to, traffic) && decide(to, DIRECTION_INGRESS, from, to, traffic);
    }

    /** The labels a selector sees on a pod: its own, then its namespace's name, then its namespace's as pcns.KEY. */
    Map<String, String> labels(Pod pod) {
        Map<String, String> labels = new LinkedHashMap<>(scenario.podLabels().getOrDefault(pod.id(), Map.of()));
        labels.putIfAbsent("pod", pod.name());
        labels.putIfAbsent("projectcalico.org/namespace", pod.namespace());
        labels.putIfAbsent("projectcalico.org/orchestrator", "jcalico");
        namespaceLabels(pod).forEach((key, value) -> labels.putIfAbsent("pcns." + key, value));
        labels.putIfAbsent("pcns.projectcalico.org/name", pod.namespace());
        return labels;
    }

    /** The namespace's own labels: those the netpol model gives every namespace, and the scenario's. */
    private Map<String, String> namespaceLabels(Pod pod) {
        Map<String, String> labels = new LinkedHashMap<>(scenario.namespaceLabels().getOrDefault(pod.namespace(), Map.of()));
        labels.put("ns", pod.namespace());
        labels.put("kubernetes.io/metadata.name", pod.namespace());
        return labels;
    }

    private boolean decide(Pod endpoint, String direction, Pod from, Pod to, Traffic traffic) {
        List<Policy> applying = scenario.policies().stream().filter(policy -> applies(policy, endpoint, direction)).toList();
        List<String> tiers = applying.stream().map(Policy::tier).distinct().sorted(Comparator
                .comparingDouble(this::tierOrder).thenComparing(Comparator.naturalOrder())).toList();
        tiers:
        for (String tier : tiers) {
            List<Policy> inTier = applying.stream().filter(policy -> policy.tier().equals(tier))
                    .sorted(Comparator.comparingDouble((Policy policy) -> policy.order() == null ? Double.POSITIVE_INFINITY : policy.order())
                            .thenComparing(PolicyOracle::sortName)).toList();
            for (Policy policy : inTier) {
                for (Rule rule : direction.equals(DIRECTION_INGRESS) ? policy.ingress() : policy.egress()) {
                    if (!matches(policy, rule, from, to, traffic)) {
                        continue;
                    }
                    switch (rule.action()) {
                        case "Allow":
                            return true;
                        case "Deny":
                            return false;
                        case "Pass":
                            continue tiers;
                        default:
                            break; // Log: on to the next rule
                    }
                }
            }
            if (!"Pass".equals(tierDefaultAction(tier))) {
                return false; // the end-of-tier drop
            }
        }
        return true; // the profile "open" allows everything
    }

    private boolean applies(Policy policy, Pod endpoint, String direction) {
        if (!types(policy).contains(direction) || !policy.selector().matches(labels(endpoint))) {
            return false;
        }
        if (!policy.global()) {
            return policy.namespace().equals(endpoint.namespace());
        }
        return policy.namespaceSelector() == null || policy.namespaceSelector().matches(namespaceLabels(endpoint));
    }

    private static List<String> types(Policy policy) {
        if (policy.types() != null) {
            return policy.types();
        }
        List<String> types = new ArrayList<>();
        if (!policy.ingress().isEmpty() || policy.egress().isEmpty()) {
            types.add(DIRECTION_INGRESS);
        }
        if (!policy.egress().isEmpty()) {
            types.add(DIRECTION_EGRESS);
        }
        return types;
    }

    private boolean matches(Policy policy, Rule rule, Pod from, Pod to, Traffic traffic) {
        if (rule.protocol() != null && !rule.protocol().equalsIgnoreCase(traffic.protocol())) {
            return false;
        }
        return sideMatches(policy, rule.source(), from, null) && sideMatches(policy, rule.destination(), to, traffic.port());
    }

    private boolean sideMatches(Policy policy, Side side, Pod pod, Integer port) {
        if (side == null) {
            return true;
        }
        Map<String, String> labels = labels(pod);
        boolean selects = side.selector() != null || side.notSelector() != null || side.namespaceSelector() != null;
        if (selects) {
            boolean positive = side.selector() == null || side.selector().matches(labels);
            if (side.namespaceSelector() != null) {
                positive &= overNamespace(side.namespaceSelector(), labels);
            } else if (!policy.global()) {
                positive &= policy.namespace().equals(pod.namespace());
            }
            if (!positive) {
                return false;
            }
            if (side.notSelector() != null && side.notSelector().matches(labels)) {
                return false;
            }
        }
        return side.ports() == null || port == null || side.ports().contains(port);
    }

    /** A namespaceSelector reads the pcns.-prefixed copies of the namespace's labels. */
    private static boolean overNamespace(Selector selector, Map<String, String> labels) {
        Map<String, String> namespace = new LinkedHashMap<>();
        labels.forEach((key, value) -> {
            if (key.startsWith("pcns.")) {
                namespace.put(key.substring("pcns.".length()), value);
            }
        });
        return selector.matches(namespace);
    }

    private double tierOrder(String name) {
        if (name.equals("default")) {
            return DEFAULT_TIER_ORDER;
        }
        return scenario.tiers().stream().filter(tier -> tier.name().equals(name)).findFirst().map(Tier::order)
                .map(Integer::doubleValue).orElse(Double.POSITIVE_INFINITY);
    }

    private String tierDefaultAction(String name) {
        return scenario.tiers().stream().filter(tier -> tier.name().equals(name)).findFirst().map(Tier::defaultAction).orElse("Deny");
    }

    private static String sortName(Policy policy) {
        return policy.global() ? policy.name() : policy.namespace() + "/" + policy.name();
    }
}
