package org.jcalico.bgp;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What BGP needs to know of the cluster, from one node's point of view: the nodes (the mesh), the peers and the
 * cluster's settings, the pools (what may be imported) and what this node advertises (its blocks, and its endpoints'
 * addresses outside them). BIRD's configuration is a function of this value alone, so bgp/ depends on the model and
 * not on how the agent keeps its view of the cluster.
 *
 * <p>{@code endpointRoutes}: the routes that carry the local endpoints' addresses ({@link BirdConfig#carrying}), each
 * once, not the endpoints: the agent keeps them from pass to pass by what came and went, where working them out from
 * every local endpoint at each pass grew with each add ({@link #ofEndpoints} does that, for a reading of the cluster
 * at one moment; docs/agent.md, "Session 54 (p-pass)").
 *
 * <p>{@code lentRoutes}: the host routes of the addresses of this node's blocks that are allocated and claimed by
 * another node's endpoint and by none of its own ({@link #lent}), the only routes inside its own blocks it takes from a
 * peer: docs/architecture.md, "What BGP may bring into the kernel", Sessions 59 (t-bgp, t-bgp2).
 */
public record RoutingIntent(String node, List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp, List<IpPool> pools,
                            List<IpamBlock> localBlocks, List<Cidr> endpointRoutes, List<Cidr> lentRoutes) {
    public RoutingIntent {
        nodes = List.copyOf(nodes);
        peers = List.copyOf(peers);
        pools = List.copyOf(pools);
        localBlocks = List.copyOf(localBlocks);
        endpointRoutes = List.copyOf(endpointRoutes);
        lentRoutes = List.copyOf(lentRoutes);
    }

    /**
     * The host routes of the addresses allocated in these blocks (this node's) that an endpoint of another node claims
     * and none of NODE's: lent to another node. Worked out from every endpoint, for a reading of the cluster at one
     * moment; the agent keeps them as its cache changes (felix LentAddresses).
     */
    public static List<Cidr> lent(List<IpamBlock> localBlocks, String node, List<WorkloadEndpoint> endpoints) {
        return localBlocks.stream().flatMap(block -> lent(block, route -> claimedElsewhereOnly(route, node, endpoints))
                .stream()).toList();
    }

    private static boolean claimedElsewhereOnly(Cidr route, String node, List<WorkloadEndpoint> endpoints) {
        boolean elsewhere = false;
        for (WorkloadEndpoint endpoint : endpoints) {
            for (Cidr net : endpoint.nets()) {
                if (net.contains(route)) {
                    if (node.equals(endpoint.node())) {
                        return false;
                    }
                    elsewhere = true;
                }
            }
        }
        return elsewhere;
    }

    /** The host routes of the addresses allocated in one block that are LENT (claimed by another node's endpoint). */
    public static List<Cidr> lent(IpamBlock block, Predicate<Cidr> lent) {
        List<Cidr> routes = new ArrayList<>();
        for (int offset : block.allocations().keySet()) {
            Cidr route = Cidr.host(block.cidr().addressAt(BigInteger.valueOf(offset)));
            if (lent.test(route)) {
                routes.add(route);
            }
        }
        return routes;
    }

    /**
     * The intent of the endpoints of NODE among these (of every node), their routes worked out from them all; the
     * others' count only for the addresses lent to them.
     */
    public static RoutingIntent ofEndpoints(String node, List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp,
                                            List<IpPool> pools, List<IpamBlock> localBlocks,
                                            List<WorkloadEndpoint> endpoints) {
        List<Cidr> blocks = localBlocks.stream().map(IpamBlock::cidr).toList();
        List<Cidr> routes = endpoints.stream().filter(endpoint -> node.equals(endpoint.node()))
                .flatMap(endpoint -> endpoint.nets().stream()).map(net -> BirdConfig.carrying(blocks, net)).distinct().toList();
        return new RoutingIntent(node, nodes, peers, bgp, pools, localBlocks, routes, lent(localBlocks, node, endpoints));
    }

    /** The same intent without one session's source: the other node of the mesh, or the peer. */
    public RoutingIntent without(BgpSession session) {
        List<Node> keptNodes = session.type() == BgpSession.Type.mesh
                ? nodes.stream().filter(other -> !other.name().equals(session.peerNode())).toList() : nodes;
        List<BgpPeer> keptPeers = switch (session.type()) {
            case mesh -> peers;
            case global -> peers.stream().filter(peer -> peer.node() != null || !peer.peerIp().equals(session.peer())).toList();
            case node -> peers.stream().filter(peer -> peer.node() == null || !peer.peerIp().equals(session.peer())).toList();
        };
        return new RoutingIntent(node, keptNodes, keptPeers, bgp, pools, localBlocks, endpointRoutes, lentRoutes);
    }
}
