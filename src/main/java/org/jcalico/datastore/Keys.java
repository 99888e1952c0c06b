package org.jcalico.datastore;

import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.Tier;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.KubernetesNetworkPolicy;
import org.jcalico.model.Namespace;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.WorkloadEndpoint;

/**
 * Where each resource lives. Endpoints and their status are grouped by node so that an agent can watch its own;
 * CIDRs appear with '-' for '/' so that a key never contains a stray path separator.
 */
public final class Keys {
    public static final String ROOT = "/jcalico/v1/";
    /** Container attachments and detachments under way, by node and endpoint id (see docs/ipam.md). */
    public static final String INTENTS = ROOT + "intents/";
    /**
     * Indexes kept beside the resources, outside {@link #ROOT}: agents list and watch ROOT, and never need them. IPAM's
     * (see docs/ipam.md) find a container's addresses by key rather than by reading every block: the blocks affine to
     * each node, the blocks holding each handle's addresses, and the marker saying both are complete for this store.
     */
    public static final String INDEXES = "/jcalico/index/v1/";
    public static final String IPAM_AFFINITIES = INDEXES + "ipam/affinities/";
    public static final String IPAM_HANDLES = INDEXES + "ipam/handles/";
    public static final String IPAM_INDEXED = INDEXES + "ipam/indexed";
    /**
     * What each agent reports of its own endpoints, outside {@link #ROOT}, which every agent lists and watches: no
     * agent reads another node's status, and with the status among the resources each agent received every other
     * node's status writes (docs/datastore.md, "What an agent lists and watches").
     */
    public static final String STATUS_ROOT = "/jcalico/status/v1/";
    /** Where endpoint status was kept before it left ROOT; an agent removes its node's from there (StatusReporter). */
    public static final String LEGACY_STATUS = ROOT + "status/endpoints/";

    private Keys() {
    }

    public static String prefix(Class<? extends Resource> kind) {
        return (kind == EndpointStatus.class ? STATUS_ROOT : ROOT) + segment(kind) + "/";
    }

    public static String key(Resource resource) {
        return prefix(resource.getClass()) + switch (resource) {
            case Node node -> node.name();
            case IpPool pool -> cidr(pool.cidr().toString());
            case IpamBlock block -> cidr(block.cidr().toString());
            case Profile profile -> profile.name();
            case WorkloadEndpoint endpoint -> endpoint.node() + "/" + endpoint.endpointId();
            case EndpointStatus status -> status.node() + "/" + status.endpointId();
            case BgpPeer peer -> (peer.node() == null ? "global" : "node/" + peer.node()) + "/" + peer.peerIp();
            case BgpConfiguration config -> config.name();
            case FelixConfiguration config -> config.name();
            case Tier tier -> tier.name();
            case GlobalNetworkPolicy policy -> policy.name();
            case NetworkPolicy policy -> policy.name();
            case GlobalNetworkSet set -> set.name();
            case NetworkSet set -> set.name();
            case Namespace namespace -> namespace.name();
            case KubernetesNetworkPolicy policy -> policy.name();
        };
    }

    /** The key of a resource whose key follows from its kind and name alone; null for per-node kinds. */
    public static String keyOf(Class<? extends Resource> kind, String name) {
        if (kind == WorkloadEndpoint.class || kind == EndpointStatus.class) {
            return null;
        }
        if (kind == BgpPeer.class) {
            int slash = name.indexOf('/');
            return prefix(kind) + (slash < 0 ? "global/" + name : "node/" + name);
        }
        if (kind == NetworkPolicy.class || kind == NetworkSet.class || kind == KubernetesNetworkPolicy.class) {
            // a namespaced name without its namespace is in "default", as kubectl and calicoctl read it
            return prefix(kind) + (name.contains("/") ? name : "default/" + name);
        }
        return prefix(kind) + (kind == IpPool.class || kind == IpamBlock.class ? cidr(name) : name);
    }

    /** The key of one node's endpoint (or its status), which its name alone does not give. */
    public static String nodeKey(Class<? extends Resource> kind, String node, String name) {
        return nodePrefix(kind, node) + name;
    }

    /** Endpoints (or their status) of one node. */
    public static String nodePrefix(Class<? extends Resource> kind, String node) {
        return prefix(kind) + node + "/";
    }

    /** The intent record of one endpoint's attachment or detachment. */
    public static String intent(String node, String endpointId) {
        return INTENTS + node + "/" + endpointId;
    }

    /** The blocks affine to the node. */
    public static String affinityPrefix(String node) {
        return IPAM_AFFINITIES + node + "/";
    }

    /** The index entry saying that the block is affine to the node; its value is the block's CIDR. */
    public static String affinity(String node, String blockCidr) {
        return affinityPrefix(node) + cidr(blockCidr);
    }

    /** The blocks holding the handle's addresses. A handle may hold any text: '%' and '/' are escaped. */
    public static String handlePrefix(String handle) {
        return IPAM_HANDLES + handle.replace("%", "%25").replace("/", "%2F") + "/";
    }

    /** The handle a {@link #handlePrefix} entry's name part stands for (the escape undone). */
    public static String handleOf(String escaped) {
        return escaped.replace("%2F", "/").replace("%25", "%");
    }

    /** The index entry saying that the block holds addresses of the handle; its value is the block's CIDR. */
    public static String handleBlock(String handle, String blockCidr) {
        return handlePrefix(handle) + cidr(blockCidr);
    }

    /**
     * The name {@link #keyOf} takes for KEY of the kind (its inverse), for a record that cannot be read: it is named
     * as the user would name it (a pool by its CIDR, a global BGP peer by its address).
     */
    public static String nameOf(Class<? extends Resource> kind, String key) {
        String tail = key.substring(prefix(kind).length());
        if (kind == BgpPeer.class) {
            return tail.startsWith("global/") ? tail.substring("global/".length())
                    : tail.startsWith("node/") ? tail.substring("node/".length()) : tail;
        }
        return kind == IpPool.class || kind == IpamBlock.class ? tail.replace('-', '/') : tail;
    }

    private static String cidr(String cidr) {
        return cidr.replace('/', '-');
    }

    private static String segment(Class<? extends Resource> kind) {
        if (kind == Node.class) return "nodes";
        if (kind == IpPool.class) return "ippools";
        if (kind == IpamBlock.class) return "ipam/blocks";
        if (kind == Profile.class) return "profiles";
        if (kind == WorkloadEndpoint.class) return "workloadendpoints";
        if (kind == EndpointStatus.class) return "endpoints";
        if (kind == BgpPeer.class) return "bgppeers";
        if (kind == BgpConfiguration.class) return "config/bgp";
        if (kind == FelixConfiguration.class) return "config/felix";
        if (kind == Tier.class) return "tiers";
        if (kind == GlobalNetworkPolicy.class) return "globalnetworkpolicies";
        if (kind == NetworkPolicy.class) return "networkpolicies";
        if (kind == GlobalNetworkSet.class) return "globalnetworksets";
        if (kind == NetworkSet.class) return "networksets";
        if (kind == Namespace.class) return "namespaces";
        if (kind == KubernetesNetworkPolicy.class) return "k8s/networkpolicies";
        throw new IllegalArgumentException("no key space for " + kind);
    }
}
