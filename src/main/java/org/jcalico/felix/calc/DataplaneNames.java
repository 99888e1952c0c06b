package org.jcalico.felix.calc;

import java.util.List;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.Policy;
import org.jcalico.model.Protocol;
import org.jcalico.util.Sha256;

/**
 * Names of jcalico's chains and ipsets. Readable where the kernel's limits allow (chains 28 characters, ipsets 31),
 * otherwise a hash under a different marker, so that a readable name can never collide with a hashed one.
 */
public final class DataplaneNames {
    public static final String INPUT = "jc-INPUT";
    public static final String FORWARD = "jc-FORWARD";
    public static final String OUTPUT = "jc-OUTPUT";
    public static final String WORKLOAD_TO_HOST = "jc-wl-to-host";
    public static final String FROM_DISPATCH = "jc-from-wl-dispatch";
    public static final String TO_DISPATCH = "jc-to-wl-dispatch";
    public static final String POSTROUTING = "jc-POSTROUTING";
    /** Where a packet whose source is a local endpoint's address goes: back if it came in on a workload's interface. */
    public static final String LOCAL_SOURCE = "jc-local-source";
    /** The security table's check that jc-FORWARD saw a forwarded workload packet (iptables driver: Marks.JUDGED). */
    public static final String JUDGED = "jc-JUDGED";
    /** The security table's check that jc-wl-to-host saw a workload's packet to its host (iptables driver: Marks.JUDGED). */
    public static final String JUDGED_INPUT = "jc-JUDGED-INPUT";
    /** The security table's copy of jc-OUTPUT's drops, which an accept above jc-OUTPUT's hook cannot skip (iptables driver). */
    public static final String JUDGED_OUTPUT = "jc-JUDGED-OUTPUT";

    private DataplaneNames() {
    }

    /** The from-endpoint dispatch chain for interfaces whose name continues with {@code key} after the prefix. */
    public static String fromDispatch(String key) {
        return FROM_DISPATCH + "-" + key;
    }

    public static String toDispatch(String key) {
        return TO_DISPATCH + "-" + key;
    }

    /** Chain for traffic from an endpoint (its outbound policy). */
    public static String fromEndpoint(String interfaceName) {
        return "jc-fw-" + interfaceName;
    }

    /** Chain for traffic to an endpoint (its inbound policy). */
    public static String toEndpoint(String interfaceName) {
        return "jc-tw-" + interfaceName;
    }

    /** The local endpoints' nets of the IP version: sources that only those endpoints' interfaces may bring in. */
    public static String localSourcesSet(int version) {
        return "jc-" + version + "-local";
    }

    /** Every pool's CIDR of the IP version: destinations that are never masqueraded. */
    public static String allPoolsSet(int version) {
        return "jc-" + version + "-all-pools";
    }

    /** The natOutgoing pools' CIDRs of the IP version: sources that are masqueraded. */
    public static String natPoolsSet(int version) {
        return "jc-" + version + "-nat-pools";
    }

    public static String profile(String profile, Direction direction) {
        String marker = direction == Direction.INBOUND ? "pi" : "po";
        return readableOrHashed("jc-" + marker, profile, 28);
    }

    public static String tagSet(String tag, int version) {
        return readableOrHashed("jc-" + version + "t", tag, 31);
    }

    /** The hash:net set of an effective selector's members (its canonical text), e.g. "jc-4s-0123456789abcdef". */
    public static String selectorSet(String canonicalSelector, int version) {
        return "jc-" + version + "s-" + hash(canonicalSelector);
    }

    /** The hash:ip,port set of a named port: the effective selector's endpoints that declare NAME for PROTOCOL. */
    public static String namedPortSet(String canonicalSelector, Protocol protocol, String portName, int version) {
        return "jc-" + version + "p-" + hash(canonicalSelector + "\n" + protocol + "\n" + portName);
    }

    /** The hash:net set of a rule's literal nets (or notNets) with more than one member, in the given order. */
    public static String netSet(List<Cidr> nets, int version) {
        return "jc-" + version + "n-" + hash(String.join(",", nets.stream().map(Cidr::toString).toList()));
    }

    /**
     * The chain of a policy for one direction (both IP families use the same name, in iptables and ip6tables):
     * "jc-gi-NAME" / "jc-go-NAME" for a GlobalNetworkPolicy, "jc-ni-NS.NAME" / "jc-no-NS.NAME" for a NetworkPolicy
     * (a namespace has no '.', so the first one separates), hashed when too long.
     */
    public static String policy(Policy policy, Direction direction) {
        String marker = (policy.namespace() == null ? "jc-g" : "jc-n") + (direction == Direction.INBOUND ? "i" : "o");
        String name = policy.namespace() == null ? policy.metadata().name() : policy.namespace() + "." + policy.metadata().name();
        return readableOrHashed(marker, name, 28);
    }

    /**
     * The chain of DIRECTION that endpoints with the same tiers, policies and profiles share (EndpointChains.shared),
     * named by KEY, which lists them: "jc-si-0123456789abcdef" inbound, "jc-so-..." outbound.
     */
    public static String sharedPolicy(String key, Direction direction) {
        return (direction == Direction.INBOUND ? "jc-si-" : "jc-so-") + hash(key);
    }

    private static String readableOrHashed(String marker, String name, int limit) {
        String readable = marker + "-" + name;
        if (readable.length() <= limit) {
            return readable;
        }
        return marker + "h-" + hash(name);
    }

    private static String hash(String name) {
        return Sha256.hex(name, 8);
    }
}
