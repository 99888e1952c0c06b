package org.jcalico.bench;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Resource;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.workload.ContainerService;

/**
 * Writes a simulated cluster into a datastore, as the real commands would leave it but without any kernel: nodes, one
 * pool, profiles (security groups, each also letting the next one in on tcp 80), and per node its endpoints with
 * addresses from /26 blocks affine to it, the blocks recording exactly those allocations. Writing through IPAM would
 * read every block for every address; the layout here is fixed, so the blocks are written whole, and IPAM's indexes
 * made from them at the end, as IPAM would have kept them (without them, the first IPAM operation on the store builds
 * them from every block: each agent's block reserve, on by default, did so inside `bench scale`'s measurements).
 */
public final class ClusterGenerator {
    public static final Cidr POOL = Cidr.parse("10.128.0.0/10");
    private static final int BLOCK_PREFIX = 26;
    private static final int BLOCK_SIZE = 64;
    /** etcd refuses transactions of more than 128 operations unless told otherwise (--max-txn-ops). */
    private static final int BATCH = 100;
    private final ResourceStore store;
    private final Consumer<String> progress;

    public ClusterGenerator(ResourceStore store, Consumer<String> progress) {
        this.store = store;
        this.progress = progress;
    }

    public static String nodeName(int index) {
        return String.format("node-%04d", index);
    }

    public static String profileName(int index) {
        return String.format("group-%02d", index);
    }

    /** The endpoint of a node, as `container add` would have named it. */
    public static WorkloadEndpoint endpoint(int node, int index, int endpointsPerNode, int profiles) {
        String nodeName = nodeName(node);
        String containerId = "sim-" + node + "-" + index;
        String endpointId = ContainerService.endpointId(nodeName, containerId, "eth0");
        IpAddress address = block(node, index / BLOCK_SIZE, endpointsPerNode).addressAt(BigInteger.valueOf(index % BLOCK_SIZE));
        return new WorkloadEndpoint(nodeName, "sim", containerId, endpointId,
                ContainerService.hostInterface(FelixConfiguration.DEFAULTS.interfacePrefix(), endpointId), null,
                List.of(Cidr.host(address)), List.of(), List.of(profileName((node * 7 + index) % profiles)), null, null, null, null);
    }

    public static int endpointsPerNode(int nodes, int endpoints) {
        return (endpoints + nodes - 1) / nodes;
    }

    /** Writes the cluster; returns the number of resources written. */
    public int write(int nodes, int endpoints, int profiles) {
        return write(nodes, endpoints, profiles, true);
    }

    /**
     * Writes the cluster as endpoints elsewhere for a few real hosts sharing the store (`bench attach --fill`): its
     * nodes have no BGP address, so the real hosts' mesh configures no BIRD peer for them (1,000 peers never coming up
     * would be BIRD's connect retries and status's failed sessions, not what an add meets), and its pool is disabled,
     * so that no real host's agent claims a block of it ahead; its endpoints are still in every agent's calc and sets.
     */
    public int writeUnpeered(int nodes, int endpoints, int profiles) {
        return write(nodes, endpoints, profiles, false);
    }

    private int write(int nodes, int endpoints, int profiles, boolean peered) {
        int perNode = endpointsPerNode(nodes, endpoints);
        List<Resource> resources = new ArrayList<>();
        resources.add(new IpPool(POOL, false, BLOCK_PREFIX, !peered));
        for (int i = 0; i < profiles; i++) {
            Profile group = Profile.securityGroup(profileName(i));
            Rule fromNext = new Rule(Action.ALLOW, Protocol.parse("tcp"), null,
                    new EntityMatch(profileName((i + 1) % profiles), null, null), new EntityMatch(null, null, Ports.parse("80")),
                    null, null, null);
            List<Rule> inbound = new ArrayList<>(group.inbound());
            inbound.add(fromNext);
            resources.add(group.withRules(Direction.INBOUND, inbound));
        }
        int written = flush(resources, 0);
        int remaining = endpoints;
        for (int node = 1; node <= nodes; node++) {
            int count = Math.min(perNode, remaining);
            remaining -= count;
            resources.add(new Node(nodeName(node),
                    peered ? IpAddress.parse("172.16." + (node / 250) + "." + (node % 250 + 1)) : null, null, null));
            Map<Integer, Map<Integer, String>> allocations = new HashMap<>();
            for (int index = 0; index < count; index++) {
                WorkloadEndpoint endpoint = endpoint(node, index, perNode, profiles);
                allocations.computeIfAbsent(index / BLOCK_SIZE, b -> new HashMap<>()).put(index % BLOCK_SIZE, endpoint.endpointId());
                resources.add(endpoint);
            }
            for (Map.Entry<Integer, Map<Integer, String>> block : allocations.entrySet()) {
                resources.add(new IpamBlock(block(node, block.getKey(), perNode), nodeName(node), block.getValue()));
            }
            if (resources.size() >= 10 * BATCH) {
                written = flush(resources, written);
            }
            if (node % 100 == 0) {
                progress.accept("  " + node + " nodes, " + (endpoints - remaining) + " endpoints written");
            }
        }
        int total = flush(resources, written);
        new Ipam(store).completeIndexes();
        return total;
    }

    private int flush(List<Resource> resources, int written) {
        for (int from = 0; from < resources.size(); from += BATCH) {
            List<Op> ops = resources.subList(from, Math.min(from + BATCH, resources.size())).stream()
                    .map(ResourceStore::putOp).toList();
            store.commit(ops);
        }
        int total = written + resources.size();
        resources.clear();
        return total;
    }

    private static Cidr block(int node, int block, int endpointsPerNode) {
        int blocksPerNode = (endpointsPerNode + BLOCK_SIZE - 1) / BLOCK_SIZE;
        return POOL.subnet(BigInteger.valueOf((long) (node - 1) * blocksPerNode + block), BLOCK_PREFIX);
    }
}
