package org.jcalico.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jcalico.model.IpAddress;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.Tier;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The cluster as policy sees it: the inputs of the agent's calculation (its Snapshot) that decide a packet's fate.
 * Effective labels are computed once per endpoint and network set. The tier "default" exists even when not given.
 */
public final class PolicyCluster {
    private final List<WorkloadEndpoint> endpoints;
    private final Map<String, Profile> profiles;
    private final Map<String, Namespace> namespaces;
    private final Map<String, Tier> tiers;
    private final List<Policy> policies;
    private final List<LabelledNets> networkSets;
    private final Map<WorkloadEndpoint, SortedMap<String, String>> endpointLabels = new HashMap<>();
    private final Map<LabelledNets, SortedMap<String, String>> networkSetLabels = new HashMap<>();

    public PolicyCluster(Collection<WorkloadEndpoint> endpoints, Map<String, Profile> profiles,
                         Map<String, Namespace> namespaces, Collection<Tier> tiers, Collection<? extends Policy> policies,
                         Collection<? extends LabelledNets> networkSets) {
        this.endpoints = List.copyOf(endpoints);
        this.profiles = Map.copyOf(profiles);
        this.namespaces = Map.copyOf(namespaces);
        Map<String, Tier> byName = new TreeMap<>();
        byName.put(Tier.DEFAULT, Tier.DEFAULT_TIER);
        tiers.forEach(tier -> byName.put(tier.name(), tier));
        this.tiers = byName;
        this.policies = List.copyOf(policies);
        this.networkSets = List.copyOf(networkSets);
    }

    public List<WorkloadEndpoint> endpoints() {
        return endpoints;
    }

    public Map<String, Profile> profiles() {
        return profiles;
    }

    public List<Policy> policies() {
        return policies;
    }

    /** The endpoint with this id, or null. */
    public WorkloadEndpoint endpoint(String endpointId) {
        return endpoints.stream().filter(endpoint -> endpoint.endpointId().equals(endpointId)).findFirst().orElse(null);
    }

    /** The endpoint that has this address, or null when it lies outside every endpoint. */
    public WorkloadEndpoint endpointAt(IpAddress address) {
        return endpoints.stream().filter(endpoint -> endpoint.nets().stream().anyMatch(net -> net.contains(address)))
                .findFirst().orElse(null);
    }

    /** Every endpoint with this address (normally one). */
    List<WorkloadEndpoint> endpointsAt(IpAddress address) {
        return endpoints.stream().filter(endpoint -> endpoint.nets().stream().anyMatch(net -> net.contains(address))).toList();
    }

    /**
     * The labels selectors see at an address: those of every endpoint with the address and of every network set
     * with a net that contains it (a selector's ipset holds both).
     */
    List<Map<String, String>> labelsAt(IpAddress address) {
        List<Map<String, String>> found = new ArrayList<>();
        endpointsAt(address).forEach(endpoint -> found.add(labels(endpoint)));
        for (LabelledNets set : networkSets) {
            if (set.spec().nets().stream().anyMatch(net -> net.contains(address))) {
                found.add(networkSetLabels.computeIfAbsent(set, s -> EndpointLabels.forNetworkSet(s, namespaces)));
            }
        }
        return found;
    }

    public SortedMap<String, String> labels(WorkloadEndpoint endpoint) {
        return endpointLabels.computeIfAbsent(endpoint, e -> EndpointLabels.effective(e, profiles, namespaces));
    }

    /** The labels of a namespace as a policy's namespaceSelector sees them: its own, and projectcalico.org/name. */
    Map<String, String> namespaceLabels(String namespace) {
        Map<String, String> labels = new TreeMap<>();
        Namespace known = namespaces.get(namespace);
        if (known != null) {
            labels.putAll(known.labels());
        }
        labels.put(EndpointLabels.NAMESPACE_NAME.substring(EndpointLabels.NAMESPACE_PREFIX.length()), namespace);
        return labels;
    }

    /**
     * A policy's tier. A policy naming a tier that does not exist is evaluated in a tier of that name with no order
     * and the default action Deny: it fails closed rather than being left out.
     */
    Tier tier(String name) {
        Tier tier = tiers.get(name);
        return tier != null ? tier : new Tier(org.jcalico.model.Metadata.named(name), null);
    }

    /** Tiers by order, lowest first; tiers without one last; ties by name. */
    static final Comparator<Tier> TIER_ORDER = Comparator
            .comparing((Tier tier) -> tier.spec().order(), Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(Tier::name);

    /** Policies of a tier by order, lowest first; policies without one last; ties by name (NAMESPACE/NAME). */
    static final Comparator<Policy> POLICY_ORDER = Comparator
            .comparing((Policy policy) -> policy.spec().order(), Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(policy -> ((org.jcalico.model.Resource) policy).name());
}
