package org.jcalico.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The kinds of resource by the names users type: "IPPool", "ippool", "ippools" and "pool" all mean IpPool. */
public final class Kinds {
    private static final Map<String, Class<? extends Resource>> TYPES = Map.ofEntries(
            Map.entry(Node.KIND, Node.class),
            Map.entry(IpPool.KIND, IpPool.class),
            Map.entry(IpamBlock.KIND, IpamBlock.class),
            Map.entry(Profile.KIND, Profile.class),
            Map.entry(WorkloadEndpoint.KIND, WorkloadEndpoint.class),
            Map.entry(EndpointStatus.KIND, EndpointStatus.class),
            Map.entry(BgpPeer.KIND, BgpPeer.class),
            Map.entry(BgpConfiguration.KIND, BgpConfiguration.class),
            Map.entry(FelixConfiguration.KIND, FelixConfiguration.class),
            Map.entry(Tier.KIND, Tier.class),
            Map.entry(GlobalNetworkPolicy.KIND, GlobalNetworkPolicy.class),
            Map.entry(NetworkPolicy.KIND, NetworkPolicy.class),
            Map.entry(GlobalNetworkSet.KIND, GlobalNetworkSet.class),
            Map.entry(NetworkSet.KIND, NetworkSet.class),
            Map.entry(Namespace.KIND, Namespace.class),
            Map.entry(KubernetesNetworkPolicy.KIND, KubernetesNetworkPolicy.class));
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("pool", IpPool.KIND),
            Map.entry("block", IpamBlock.KIND),
            Map.entry("endpoint", WorkloadEndpoint.KIND),
            Map.entry("wep", WorkloadEndpoint.KIND),
            Map.entry("peer", BgpPeer.KIND),
            Map.entry("container", WorkloadEndpoint.KIND),
            Map.entry("gnp", GlobalNetworkPolicy.KIND),
            Map.entry("np", NetworkPolicy.KIND),
            Map.entry("policy", NetworkPolicy.KIND),
            Map.entry("gns", GlobalNetworkSet.KIND),
            Map.entry("netset", NetworkSet.KIND),
            Map.entry("ns", Namespace.KIND),
            Map.entry("knp", KubernetesNetworkPolicy.KIND),
            Map.entry("k8snetworkpolicy", KubernetesNetworkPolicy.KIND),
            Map.entry("networkpolicy.networking.k8s.io", KubernetesNetworkPolicy.KIND));

    private Kinds() {
    }

    public static List<String> names() {
        return TYPES.keySet().stream().sorted().toList();
    }

    /** The kind's name as users type it and Calico's API spells it (IPPool for IpPool). */
    public static String name(Class<? extends Resource> type) {
        return TYPES.entrySet().stream().filter(entry -> entry.getValue() == type).map(Map.Entry::getKey).findFirst()
                .orElse(type.getSimpleName());
    }

    public static Class<? extends Resource> type(String kind) {
        return TYPES.get(kind);
    }

    /** The canonical kind for what a user typed, if any. */
    public static Optional<String> resolve(String typed) {
        String lower = typed.toLowerCase(Locale.ROOT);
        String singular = lower.endsWith("s") ? lower.substring(0, lower.length() - 1) : lower;
        Map<String, String> byLower = TYPES.keySet().stream()
                .collect(Collectors.toMap(name -> name.toLowerCase(Locale.ROOT), name -> name));
        for (String candidate : List.of(lower, singular)) {
            if (byLower.containsKey(candidate)) {
                return Optional.of(byLower.get(candidate));
            }
            if (ALIASES.containsKey(candidate)) {
                return Optional.of(ALIASES.get(candidate));
            }
        }
        return Optional.empty();
    }
}
