package org.jcalico.bgp;

import java.util.List;
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
 */
public record RoutingIntent(String node, List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp, List<IpPool> pools,
                            List<IpamBlock> localBlocks, List<Cidr> endpointRoutes) {
    public RoutingIntent {
        nodes = List.copyOf(nodes);
        peers = List.copyOf(peers);
        pools = List.copyOf(pools);
        localBlocks = List.copyOf(localBlocks);
        endpointRoutes = List.copyOf(endpointRoutes);
    }

    /** The intent of these local endpoints, their routes worked out from them all. */
    public static RoutingIntent ofEndpoints(String node, List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp,
                                            List<IpPool> pools, List<IpamBlock> localBlocks,
                                            List<WorkloadEndpoint> localEndpoints) {
        List<Cidr> blocks = localBlocks.stream().map(IpamBlock::cidr).toList();
        List<Cidr> routes = localEndpoints.stream().flatMap(endpoint -> endpoint.nets().stream())
                .map(net -> BirdConfig.carrying(blocks, net)).distinct().toList();
        return new RoutingIntent(node, nodes, peers, bgp, pools, localBlocks, routes);
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
        return new RoutingIntent(node, keptNodes, keptPeers, bgp, pools, localBlocks, endpointRoutes);
    }
}
