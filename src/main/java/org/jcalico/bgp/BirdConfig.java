package org.jcalico.bgp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.log.RotatingFile;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;

/**
 * BIRD 2's configuration for one node, rendered from the node's routing intent. The node advertises one route per IPAM
 * block it owns plus a host route per address it borrowed from another node's block; it accepts only routes inside
 * the IP pools; and it puts only BGP-learned routes into the kernel. Everything else is neither sent nor accepted.
 * Sessions and the kernel protocol take part in BGP graceful restart (RFC 4724), so that a BIRD restart loses no
 * traffic: see docs/architecture.md, "BGP graceful restart".
 */
public final class BirdConfig {
    /**
     * How long peers keep this node's routes as stale while its BIRD is down (advertised in the graceful restart
     * capability): bounds what a node that stopped and never came back leaves on the others.
     */
    public static final int RESTART_TIME_SECONDS = 120;
    /** How long a BIRD started in recovery (-R) waits for its peers' End-of-RIB before it syncs the kernel anyway. */
    public static final int RECOVERY_WAIT_SECONDS = 30;
    /**
     * The kernel metric of the routes BIRD writes: above every metric the agent's routes get (they carry none, so
     * IPv4's are 0 and IPv6's 1024), so that a route a peer announces for a local endpoint's address, which the pools
     * let in, never takes that endpoint's packets away from its own route. BIRD's default, 32, beat IPv6's 1024
     * (docs/architecture.md, "What BGP may bring into the kernel").
     */
    public static final int KERNEL_METRIC = 2048;

    private BirdConfig() {
    }

    public static String render(RoutingIntent intent, Path logFile) {
        Node self = intent.nodes().stream().filter(node -> node.name().equals(intent.node())).findFirst()
                .orElseThrow(() -> new ValidationException("node '" + intent.node() + "' is not registered"));
        if (self.ipv4() == null) {
            throw new ValidationException("node '" + self.name() + "' has no IPv4 address, which BGP needs as router id");
        }
        long ownAs = self.asNumber() != null ? self.asNumber() : intent.bgp().defaultAs();
        StringBuilder out = new StringBuilder();
        out.append("# Written by the jcalico agent for node ").append(self.name())
                .append(" from the datastore; it is rewritten on every change, so edits here are lost.\n");
        out.append("router id ").append(self.ipv4()).append(";\n");
        // BIRD rotates its own log as the agent does felix.log (docs/observability.md, "Logs"): one old file, same limit
        out.append("log \"").append(logFile).append("\" ").append(RotatingFile.DEFAULT_MAX_BYTES).append(" \"").append(logFile)
                .append(".1\" { info, remote, warning, error, auth, fatal, bug };\n");
        out.append("timeformat protocol \"%FT%T\";\n");
        out.append("graceful restart wait ").append(RECOVERY_WAIT_SECONDS).append(";\n");
        out.append("protocol device { scan time 10; }\n\n");
        List<BgpSession> sessions = sessions(intent, self);
        for (int version : List.of(4, 6)) {
            IpAddress local = version == 4 ? self.ipv4() : self.ipv6();
            family(out, intent, version, local, ownAs,
                    sessions.stream().filter(session -> session.peer().version() == version).toList());
        }
        return out.toString();
    }

    /** Every session this node should have, mesh first. */
    public static List<BgpSession> sessions(RoutingIntent intent, Node self) {
        List<BgpSession> sessions = new ArrayList<>();
        if (intent.bgp().nodeToNodeMesh()) {
            for (Node other : intent.nodes()) {
                if (other.name().equals(self.name())) {
                    continue;
                }
                long as = other.asNumber() != null ? other.asNumber() : intent.bgp().defaultAs();
                for (IpAddress address : new IpAddress[] {other.ipv4(), other.ipv6()}) {
                    if (address != null) {
                        sessions.add(new BgpSession(BgpSession.Type.mesh, address, as, other.name(), intent.bgp().sessionImportLimit()));
                    }
                }
            }
        }
        for (BgpPeer peer : intent.peers()) {
            if (peer.node() == null || peer.node().equals(self.name())) {
                sessions.add(new BgpSession(peer.node() == null ? BgpSession.Type.global : BgpSession.Type.node,
                        peer.peerIp(), peer.asNumber(), null,
                        peer.importLimit() != null ? peer.importLimit() : intent.bgp().sessionImportLimit()));
            }
        }
        return sessions.stream()
                .filter(session -> !session.peer().equals(self.ipv4()) && !session.peer().equals(self.ipv6()))
                .toList();
    }

    private static void family(StringBuilder out, RoutingIntent intent, int version, IpAddress local, long ownAs,
                               List<BgpSession> sessions) {
        String v = String.valueOf(version);
        String channel = version == 4 ? "ipv4" : "ipv6";
        List<Cidr> pools = intent.pools().stream().map(IpPool::cidr).filter(cidr -> cidr.version() == version).toList();
        out.append("filter jc_import").append(v).append(" {\n");
        // inside this node's own blocks only the addresses lent to other nodes' endpoints may come from a peer: any
        // other route there would take packets for an address no local endpoint holds (docs/architecture.md)
        List<String> lent = intent.lentRoutes().stream().filter(route -> route.version() == version).sorted()
                .map(Cidr::toString).toList();
        if (!lent.isEmpty()) {
            out.append("  if net ~ [ ").append(String.join(", ", lent)).append(" ] then accept;\n");
        }
        List<String> own = intent.localBlocks().stream().map(IpamBlock::cidr).filter(cidr -> cidr.version() == version)
                .sorted().map(cidr -> cidr + "+").toList();
        if (!own.isEmpty()) {
            out.append("  if net ~ [ ").append(String.join(", ", own)).append(" ] then reject;\n");
        }
        if (!pools.isEmpty()) {
            out.append("  if net ~ [ ").append(String.join(", ", pools.stream().map(cidr -> cidr + "+").toList()))
                    .append(" ] then accept;\n");
        }
        out.append("  reject;\n}\n");
        out.append("filter jc_export").append(v).append(" {\n  if proto = \"jc_local").append(v)
                .append("\" then accept;\n  reject;\n}\n");
        out.append("protocol static jc_local").append(v).append(" {\n  ").append(channel).append(";\n");
        for (Cidr route : advertised(intent, version)) {
            out.append("  route ").append(route).append(" blackhole;\n");
        }
        out.append("}\n");
        out.append("protocol kernel jc_kernel").append(v).append(" {\n  persist;\n  graceful restart;\n  metric ").append(KERNEL_METRIC)
                .append(";\n  ").append(channel)
                .append(" { import none; export filter { if source = RTS_BGP then accept; reject; }; };\n}\n");
        if (local != null) {
            // peers are on the node's own subnet (the mesh, top-of-rack routers, reflectors beside the hosts)
            out.append("template bgp jc_peer").append(v).append(" {\n  local ").append(local).append(" as ").append(ownAs)
                    .append(";\n  direct;\n  graceful restart on;\n  graceful restart time ").append(RESTART_TIME_SECONDS)
                    .append(";\n  ").append(channel).append(" { import filter jc_import").append(v)
                    .append("; export filter jc_export").append(v).append("; next hop self; gateway direct; };\n}\n");
            for (BgpSession session : sessions) {
                out.append("protocol bgp ").append(session.protocolName()).append(" from jc_peer").append(v)
                        .append(" { neighbor ").append(session.peer()).append(" as ").append(session.peerAs())
                        // a peer over its limit is shut with a NOTIFICATION (RFC 4486's maximum number of prefixes),
                        // its routes gone, until the next configuration: docs/architecture.md, "What BGP may bring into the kernel"
                        .append("; ").append(channel).append(" { import limit ").append(session.importLimit())
                        .append(" action disable; }; }\n");
            }
        }
        out.append('\n');
    }

    /**
     * The blocks this node owns, and host routes for its endpoints' addresses that lie outside them (borrowed): the
     * intent's routes, of which there are as many as blocks and borrowed addresses, not as endpoints.
     */
    public static List<Cidr> advertised(RoutingIntent intent, int version) {
        List<Cidr> routes = new ArrayList<>();
        for (IpamBlock block : intent.localBlocks()) {
            if (block.cidr().version() == version) {
                routes.add(block.cidr());
            }
        }
        for (Cidr route : intent.endpointRoutes()) {
            if (route.version() == version) {
                routes.add(route);
            }
        }
        return routes.stream().sorted().distinct().toList();
    }

    /** The route this node advertises for one of its endpoints' addresses: its block's, or its own host route (borrowed). */
    public static Cidr carrying(List<Cidr> blocks, Cidr net) {
        return blocks.stream().filter(block -> block.contains(net)).findFirst().orElse(net);
    }
}
