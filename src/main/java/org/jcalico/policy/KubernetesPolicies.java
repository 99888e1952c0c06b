package org.jcalico.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jcalico.model.Action;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.KubernetesNetworkPolicy;
import org.jcalico.model.KubernetesNetworkPolicy.LabelSelector;
import org.jcalico.model.KubernetesNetworkPolicy.Peer;
import org.jcalico.model.KubernetesNetworkPolicy.PolicyPort;
import org.jcalico.model.Metadata;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.PolicySpec;
import org.jcalico.model.PolicyType;
import org.jcalico.model.PortRange;
import org.jcalico.model.Ports;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.Tier;

/**
 * Kubernetes NetworkPolicy as the Calico NetworkPolicy it acts as, translated the way Calico's Kubernetes backend
 * translates it (libcalico-go lib/backend/k8s/conversion, K8sNetworkPolicyToCalico; docs/policy.md): named
 * knp.default.NAME in the same namespace, tier default, order 1000; the podSelector as its selector; per rule, one
 * Allow rule for each protocol of its ports (ports of a protocol merged) and each peer. A pure function.
 */
public final class KubernetesPolicies {
    public static final double ORDER = 1000;
    /**
     * What Calico's translation adds to a peer's pod selector (there: orchestrator == "k8s") so that it matches pods
     * and never network sets; jcalico's endpoints carry their own orchestrator, so the test is that they have one.
     */
    static final String POD = "has(" + EndpointLabels.ORCHESTRATOR + ")";

    private KubernetesPolicies() {
    }

    public static NetworkPolicy toCalico(KubernetesNetworkPolicy policy) {
        KubernetesNetworkPolicy.Spec spec = policy.spec();
        String namespace = policy.metadata().namespace();
        List<Rule> ingress = new ArrayList<>();
        spec.ingress().forEach(rule -> ingress.addAll(rules(rule.from(), rule.ports(), true)));
        List<Rule> egress = new ArrayList<>();
        spec.egress().forEach(rule -> egress.addAll(rules(rule.to(), rule.ports(), false)));
        Metadata metadata = new Metadata(KubernetesNetworkPolicy.CALICO_NAME_PREFIX + policy.metadata().name(),
                namespace, null, null);
        return new NetworkPolicy(metadata, new PolicySpec(Tier.DEFAULT, ORDER, terms(spec.podSelector()), null,
                types(spec), ingress, egress));
    }

    /**
     * Kubernetes' defaulting of policyTypes (the API server's, which Calico sees already applied): as written, or
     * Ingress, plus Egress when the policy has egress rules.
     */
    static List<PolicyType> types(KubernetesNetworkPolicy.Spec spec) {
        if (!spec.policyTypes().isEmpty()) {
            return spec.policyTypes();
        }
        return spec.egress().isEmpty() ? List.of(PolicyType.INGRESS) : List.of(PolicyType.INGRESS, PolicyType.EGRESS);
    }

    private static List<Rule> rules(List<Peer> peers, List<PolicyPort> ports, boolean ingress) {
        List<Peer> sides = peers.isEmpty() ? Collections.singletonList(null) : peers;
        List<Rule> rules = new ArrayList<>();
        for (Map.Entry<Protocol, List<Ports>> entry : portsByProtocol(ports).entrySet()) {
            for (Ports portsPart : entry.getValue()) {
                for (Peer peer : sides) {
                    // destination ports: of the selected pod on ingress, of the peer on egress
                    EntityMatch remote = side(peer, ingress ? null : portsPart);
                    EntityMatch local = ingress ? side(null, portsPart) : EntityMatch.ANY;
                    Protocol protocol = entry.getKey().isAny() ? null : entry.getKey();
                    rules.add(new Rule(Action.ALLOW, protocol, null, ingress ? remote : local,
                            ingress ? local : remote, null, null, null));
                }
            }
        }
        return rules;
    }

    /**
     * The destination ports of each protocol, protocols in name order: no ports at all is every protocol and port
     * (keyed by protocol 0, "any"); an entry without a port is every port of its protocol, and wins over numbers of
     * it; numbers merge into ranges, names are kept. A list holds more than one Ports only when the numbers need
     * more than one kernel multiport match; each becomes a rule of its own. Null in a list is every port.
     */
    private static Map<Protocol, List<Ports>> portsByProtocol(List<PolicyPort> ports) {
        Map<Protocol, List<Ports>> result = new TreeMap<>(Comparator.comparing(Protocol::name));
        if (ports.isEmpty()) {
            result.put(Protocol.parse(Protocol.ANY), Collections.singletonList(null));
            return result;
        }
        Map<String, TreeSet<Integer>> numbers = new TreeMap<>();
        Map<String, List<String>> names = new TreeMap<>();
        TreeSet<String> everyPort = new TreeSet<>();
        for (PolicyPort port : ports) {
            String protocol = port.effectiveProtocol();
            numbers.computeIfAbsent(protocol, p -> new TreeSet<>());
            names.computeIfAbsent(protocol, p -> new ArrayList<>());
            if (port.port() == null) {
                everyPort.add(protocol);
            } else if (port.port().name() != null) {
                if (!names.get(protocol).contains(port.port().name())) {
                    names.get(protocol).add(port.port().name());
                }
            } else {
                int last = port.endPort() == null ? port.port().number() : port.endPort();
                for (int n = port.port().number(); n <= last; n++) {
                    numbers.get(protocol).add(n);
                }
            }
        }
        for (String protocol : numbers.keySet()) {
            result.put(Protocol.parse(protocol), everyPort.contains(protocol)
                    ? Collections.singletonList(null)
                    : chunks(ranges(numbers.get(protocol)), names.get(protocol)));
        }
        return result;
    }

    /** Sorted port numbers as the fewest ranges that cover exactly them (Calico's SimplifyPorts). */
    private static List<PortRange> ranges(TreeSet<Integer> numbers) {
        List<PortRange> ranges = new ArrayList<>();
        Integer first = null;
        int last = -1;
        for (int n : numbers) {
            if (first != null && n == last + 1) {
                last = n;
                continue;
            }
            if (first != null) {
                ranges.add(new PortRange(first, last));
            }
            first = n;
            last = n;
        }
        if (first != null) {
            ranges.add(new PortRange(first, last));
        }
        return ranges;
    }

    /** The ranges in groups one multiport match holds (a range counts as two), the names with the first group. */
    private static List<Ports> chunks(List<PortRange> ranges, List<String> names) {
        List<Ports> chunks = new ArrayList<>();
        List<PortRange> current = new ArrayList<>();
        int slots = 0;
        for (PortRange range : ranges) {
            int size = range.isSingle() ? 1 : 2;
            if (slots + size > Ports.MAX_SLOTS) {
                chunks.add(new Ports(current, chunks.isEmpty() ? names : List.of()));
                current = new ArrayList<>();
                slots = 0;
            }
            current.add(range);
            slots += size;
        }
        if (!current.isEmpty() || chunks.isEmpty()) {
            chunks.add(new Ports(current, chunks.isEmpty() ? names : List.of()));
        }
        return chunks;
    }

    /** A rule side for a peer (null: anywhere) and destination ports (null: any). */
    private static EntityMatch side(Peer peer, Ports ports) {
        if (peer == null) {
            return new EntityMatch(null, null, null, null, null, null, ports, null);
        }
        if (peer.ipBlock() != null) {
            return new EntityMatch(null, List.of(peer.ipBlock().cidr()), peer.ipBlock().except(), null, null, null,
                    ports, null);
        }
        String pods = and(POD, peer.podSelector() == null ? "" : terms(peer.podSelector()));
        String namespaces = peer.namespaceSelector() == null ? null
                : peer.namespaceSelector().isEmpty() ? "all()" : terms(peer.namespaceSelector());
        return new EntityMatch(null, null, null, pods, null, namespaces, ports, null);
    }

    /** A Kubernetes label selector in Calico's grammar; empty when it has no terms (all()). */
    static String terms(LabelSelector selector) {
        List<String> terms = new ArrayList<>();
        selector.matchLabels().forEach((key, value) -> terms.add(key + " == \"" + value + "\""));
        for (KubernetesNetworkPolicy.Requirement requirement : selector.matchExpressions()) {
            String values = requirement.values().stream().map(v -> "\"" + v + "\"")
                    .collect(Collectors.joining(", ", "{", "}"));
            terms.add(switch (requirement.operator()) {
                case In -> requirement.key() + " in " + values;
                case NotIn -> requirement.key() + " not in " + values;
                case Exists -> "has(" + requirement.key() + ")";
                case DoesNotExist -> "!has(" + requirement.key() + ")";
            });
        }
        return String.join(" && ", terms);
    }

    private static String and(String a, String b) {
        return b.isEmpty() ? a : a + " && " + b;
    }
}
