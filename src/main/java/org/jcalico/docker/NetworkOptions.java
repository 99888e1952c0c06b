package org.jcalico.docker;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Shown;

/**
 * What `docker network create` may ask of a jcalico network, pure: IPv6 on or off, and addresses from jcalico-ipam.
 * Every driver option (-o) and every flag that turns something on (--internal, --attachable ...) is refused by name,
 * because jcalico would otherwise ignore it and the user believe it in force.
 */
public final class NetworkOptions {
    static final String GENERIC = "com.docker.network.generic";
    static final String ENABLE_IPV6 = "com.docker.network.enable_ipv6";
    private static final String DOCKER_PREFIX = "com.docker.network.";

    private NetworkOptions() {
    }

    /** Refuses what jcalico cannot honour; returns normally for a network it can make. */
    public static void check(Map<String, Object> options, List<Protocol.IpamData> ipv4, List<Protocol.IpamData> ipv6) {
        TreeSet<String> unknown = new TreeSet<>();
        if (options != null) {
            options.forEach((key, value) -> {
                if (key.equals(GENERIC) && value instanceof Map<?, ?> generic) {
                    generic.keySet().forEach(option -> unknown.add("-o " + option));
                } else if (!key.equals(ENABLE_IPV6) && !key.equals(GENERIC) && isSet(value)) {
                    unknown.add("--" + (key.startsWith(DOCKER_PREFIX) ? key.substring(DOCKER_PREFIX.length()) : key));
                }
            });
        }
        if (!unknown.isEmpty()) {
            throw new ValidationException("unknown network option" + (unknown.size() > 1 ? "s " : " ") + Shown.names(unknown)
                    + ": a jcalico network takes none (its policy is the profile of the same name: 'jcalico profile rule ...')");
        }
        checkIpam(ipv4, 4);
        checkIpam(ipv6, 6);
    }

    private static void checkIpam(List<Protocol.IpamData> pools, int version) {
        for (Protocol.IpamData pool : pools == null ? List.<Protocol.IpamData>of() : pools) {
            if (!DockerPools.gateway(version).equals(pool.gateway())) {
                throw new ValidationException("the network's addresses must come from jcalico's IPAM: add --ipam-driver "
                        + PluginSpecs.IPAM_DRIVER);
            }
        }
    }

    private static boolean isSet(Object value) {
        return value != null && !Boolean.FALSE.equals(value) && !"".equals(value) && !"false".equals(value)
                && !(value instanceof Map<?, ?> map && map.isEmpty());
    }
}
