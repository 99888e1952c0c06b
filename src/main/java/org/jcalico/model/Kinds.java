package org.jcalico.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The kinds of resource by the names users type: "IPPool", "ippool", "ippools" and "pool" all mean IpPool. */
public final class Kinds {
    private static final Map<String, Class<? extends Resource>> TYPES = Map.of(
            Node.KIND, Node.class,
            IpPool.KIND, IpPool.class,
            IpamBlock.KIND, IpamBlock.class,
            Profile.KIND, Profile.class,
            WorkloadEndpoint.KIND, WorkloadEndpoint.class,
            EndpointStatus.KIND, EndpointStatus.class,
            BgpPeer.KIND, BgpPeer.class,
            BgpConfiguration.KIND, BgpConfiguration.class,
            FelixConfiguration.KIND, FelixConfiguration.class,
            Namespace.KIND, Namespace.class);
    private static final Map<String, String> ALIASES = Map.of(
            "pool", IpPool.KIND, "block", IpamBlock.KIND, "endpoint", WorkloadEndpoint.KIND,
            "wep", WorkloadEndpoint.KIND, "peer", BgpPeer.KIND, "container", WorkloadEndpoint.KIND, "ns", Namespace.KIND);

    private Kinds() {
    }

    public static List<String> names() {
        return TYPES.keySet().stream().sorted().toList();
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
