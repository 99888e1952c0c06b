package org.jcalico.bgp;

import java.util.List;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What BGP needs to know of the cluster, from one node's point of view: the nodes (the mesh), the peers and the
 * cluster's settings, the pools (what may be imported) and what this node advertises (its blocks, and its endpoints'
 * addresses outside them). BIRD's configuration is a function of this value alone, so bgp/ depends on the model and
 * not on how the agent keeps its view of the cluster.
 */
public record RoutingIntent(String node, List<Node> nodes, List<BgpPeer> peers, BgpConfiguration bgp, List<IpPool> pools,
                            List<IpamBlock> localBlocks, List<WorkloadEndpoint> localEndpoints) {
    public RoutingIntent {
        nodes = List.copyOf(nodes);
        peers = List.copyOf(peers);
        pools = List.copyOf(pools);
        localBlocks = List.copyOf(localBlocks);
        localEndpoints = List.copyOf(localEndpoints);
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
        return new RoutingIntent(node, keptNodes, keptPeers, bgp, pools, localBlocks, localEndpoints);
    }
}
