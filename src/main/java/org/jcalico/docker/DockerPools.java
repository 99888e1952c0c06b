package org.jcalico.docker;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Shown;
import org.jcalico.workload.VethAttacher;

/**
 * How docker's IPAM pools map onto jcalico's, pure. A docker network takes its addresses either from every enabled
 * jcalico pool of the IP version (no --subnet: docker is told 0.0.0.0/0 or ::/0, since the addresses come from
 * whichever pool has room) or from the subnet --subnet names, an enabled pool or a part of one. The pool id carries
 * the choice ("jcalico-v4", "jcalico-v4:10.65.1.0/24"), so that later calls need no state. The network's gateway is the one
 * every jcalico container has (see {@link VethAttacher}), not an address of the pool.
 */
public record DockerPools(int version, Cidr pool) {
    public static final String ADDRESS_SPACE = "jcalico";
    private static final String PREFIX = "jcalico-v";

    /** The gateway docker records for a jcalico network; CreateNetwork tells by it that jcalico-ipam made the pool. */
    public static String gateway(int version) {
        return version == 4 ? VethAttacher.IPV4_GATEWAY + "/32" : VethAttacher.IPV6_GATEWAY + "/128";
    }

    public String id() {
        return PREFIX + version + (pool == null ? "" : ":" + pool);
    }

    /** What docker is told the network's subnet is. */
    public String subnet() {
        return pool != null ? pool.toString() : version == 4 ? "0.0.0.0/0" : "::/0";
    }

    public static DockerPools parse(String id) {
        if (id == null || !id.startsWith(PREFIX) || id.length() < PREFIX.length() + 1) {
            throw new ValidationException("unknown pool id '" + Shown.value(id) + "': this network's addresses are not jcalico's");
        }
        int version = id.charAt(PREFIX.length()) == '6' ? 6 : 4;
        int colon = id.indexOf(':');
        return new DockerPools(version, colon < 0 ? null : Cidr.parse(id.substring(colon + 1)));
    }

    /**
     * The pool for docker's RequestPool: {@code subnet} (null or empty: none given) must lie inside an enabled pool of
     * {@code pools} (or be one); without one, an enabled pool of the version must exist. Options (--ipam-opt) and
     * sub-ranges (--ip-range) are refused by name, since jcalico would otherwise ignore them silently.
     */
    public static DockerPools choose(String subnet, String subPool, Map<String, String> options, boolean v6, List<IpPool> pools) {
        int version = v6 ? 6 : 4;
        if (subPool != null && !subPool.isEmpty()) {
            throw new ValidationException("--ip-range " + Shown.value(subPool) + " is not supported: jcalico allocates from whole pools");
        }
        if (options != null && !options.isEmpty()) {
            throw new ValidationException("unknown IPAM option" + (options.size() > 1 ? "s " : " ")
                    + Shown.names(new java.util.TreeSet<>(options.keySet()))
                    + ": jcalico-ipam takes none (give the pool with --subnet)");
        }
        List<IpPool> enabled = pools.stream().filter(p -> !p.disabled() && p.cidr().version() == version).toList();
        if (subnet == null || subnet.isEmpty()) {
            if (enabled.isEmpty()) {
                throw new ValidationException("no enabled IPv" + version + " pool" + (v6 ? " for --ipv6" : "")
                        + ": add one with 'jcalico pool add CIDR'");
            }
            return new DockerPools(version, null);
        }
        Cidr asked = Cidr.parse(subnet);
        if (enabled.stream().anyMatch(candidate -> candidate.cidr().contains(asked))) {
            return new DockerPools(version, asked);
        }
        String known = enabled.isEmpty() ? "there is none" : "enabled: " + enabled.stream().map(p -> p.cidr().toString())
                .collect(Collectors.joining(", "));
        throw new ValidationException("subnet " + asked + " is not inside an enabled jcalico IP pool (" + known
                + "); add a pool holding it with 'jcalico pool add CIDR' or leave --subnet out");
    }

    /**
     * Refuses a network whose subnets overlap those of another jcalico network ({@code others}: name to subnets),
     * since their addresses would be drawn from one range. Networks without --subnet (0.0.0.0/0, ::/0: every pool)
     * are no subnet.
     */
    public static void checkOverlap(List<Cidr> subnets, Map<String, List<Cidr>> others) {
        for (Cidr subnet : subnets) {
            if (subnet.prefixLength() == 0) {
                continue;
            }
            others.forEach((name, theirs) -> theirs.stream()
                    .filter(other -> other.prefixLength() > 0 && other.version() == subnet.version() && other.overlaps(subnet))
                    .findFirst().ifPresent(other -> {
                        throw new ValidationException("subnet " + subnet + " overlaps the subnet " + other + " of network " + name
                                + ": give each network a subnet of its own");
                    }));
        }
    }
}
