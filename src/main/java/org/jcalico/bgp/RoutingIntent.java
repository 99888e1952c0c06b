package org.jcalico.bgp;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * <p>{@code lentRoutes}: the host routes of the addresses of this node's blocks that are allocated and held by none of
 * its endpoints ({@link #lent}), the only routes inside its own blocks it takes from a peer: docs/architecture.md,
 * "What BGP may bring into the kernel", Session 59 (t-bgp).
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
     * The host routes of the addresses allocated in these blocks that none of these endpoints holds: lent to another
     * node's endpoint, as far as this node can tell (or allocated for a local endpoint not seen yet).
     */
    public static List<Cidr> lent(List<IpamBlock> localBlocks, List<WorkloadEndpoint> localEndpoints) {
        Set<Cidr> held = new HashSet<>();
        localEndpoints.forEach(endpoint -> held.addAll(endpoint.nets()));
        return localBlocks.stream().flatMap(block -> lent(block, held::contains).stream()).toList();
    }

    /** The host routes of the addresses allocated in one block that are not HELD (by a local endpoint's net). */
    public static List<Cidr> lent(IpamBlock block, Predicate<Cidr> held) {
        List<Cidr> lent = new ArrayList<>();
        for (int offset : block.allocations().keySet()) {
            Cidr route = Cidr.host(block.cidr().addressAt(BigInteger.valueOf(offset)));
            if (!held.test(route)) {
                lent.add(route);
            }
        }
        return lent;
    }

    /** The intent of these local endpoints, their routes worked out from them all. */
    public static RoutingIntent ofEndpoints(String node, List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp,
                                            List<IpPool> pools, List<IpamBlock> localBlocks,
                                            List<WorkloadEndpoint> localEndpoints) {
        List<Cidr> blocks = localBlocks.stream().map(IpamBlock::cidr).toList();
        List<Cidr> routes = localEndpoints.stream().flatMap(endpoint -> endpoint.nets().stream())
                .map(net -> BirdConfig.carrying(blocks, net)).distinct().toList();
        return new RoutingIntent(node, nodes, peers, bgp, pools, localBlocks, routes, lent(localBlocks, localEndpoints));
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
