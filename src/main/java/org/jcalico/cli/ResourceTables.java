package org.jcalico.cli;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.KubernetesNetworkPolicy;
import org.jcalico.model.Namespace;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.PolicySpec;
import org.jcalico.model.Tier;
import org.jcalico.policy.KubernetesPolicies;

/** The table `jcalico get KIND` prints for each kind of resource. */
final class ResourceTables {
    private ResourceTables() {
    }

    static Table of(Class<? extends Resource> kind, List<? extends Resource> resources) {
        Table table = header(kind);
        for (Resource resource : resources) {
            switch (resource) {
                case Node n -> table.row(n.name(), n.ipv4(), n.ipv6(), n.asNumber());
                case IpPool p -> table.row(p.cidr(), p.natOutgoing(), p.blockSize(), p.disabled());
                case IpamBlock b -> table.row(b.cidr(), b.affinity(), b.allocations().size(), b.free());
                case Profile p -> table.row(p.name(), String.join(",", p.tags()), p.inbound().size(), p.outbound().size());
                case WorkloadEndpoint e -> table.row(e.endpointId(), e.node(), e.containerId(), e.interfaceName(),
                        addresses(e), String.join(",", e.profileIds()));
                case EndpointStatus s -> table.row(s.endpointId(), s.node(), s.state(), s.detail());
                case BgpPeer p -> table.row(p.peerIp(), p.asNumber(), p.node() == null ? "(all nodes)" : p.node());
                case BgpConfiguration c -> table.row(c.name(), c.defaultAs(), c.nodeToNodeMesh() ? "on" : "off");
                case FelixConfiguration f -> table.row(f.name(), f.resyncIntervalSeconds(),
                        f.defaultEndpointToHostAction(), f.interfacePrefix(), f.logLevel());
                case Tier t -> table.row(t.name(), t.spec().order() == null ? "(last)" : order(t.spec().order()),
                        t.spec().defaultAction().calicoName());
                case GlobalNetworkPolicy p -> policyRow(table, null, p.metadata().name(), p.spec());
                case NetworkPolicy p -> policyRow(table, p.namespace(), p.metadata().name(), p.spec());
                case GlobalNetworkSet s -> table.row(s.name(), labels(s.metadata().labels()), nets(s.spec().nets()));
                case NetworkSet s -> table.row(s.metadata().namespace(), s.metadata().name(), labels(s.metadata().labels()),
                        nets(s.spec().nets()));
                case Namespace n -> table.row(n.name(), labels(n.labels()));
                case KubernetesNetworkPolicy p -> policyRow(table, p.metadata().namespace(), p.metadata().name(),
                        KubernetesPolicies.toCalico(p).spec());
            }
        }
        return table;
    }

    private static void policyRow(Table table, String namespace, String name, PolicySpec spec) {
        List<Object> cells = new java.util.ArrayList<>();
        if (namespace != null) {
            cells.add(namespace);
        }
        cells.addAll(List.of(name, spec.tier(), spec.order() == null ? "(last)" : order(spec.order()), spec.selector(),
                spec.types().stream().map(Object::toString).collect(Collectors.joining(",")),
                spec.ingress().size(), spec.egress().size()));
        table.row(cells.toArray());
    }

    /** 100.0 prints as 100: orders are mostly whole numbers. */
    private static String order(double order) {
        return order == Math.rint(order) && Math.abs(order) < 1e15 ? Long.toString((long) order) : Double.toString(order);
    }

    private static String nets(List<Cidr> nets) {
        return nets.stream().map(Cidr::toString).collect(Collectors.joining(","));
    }

    static String addresses(WorkloadEndpoint endpoint) {
        return endpoint.nets().stream().map(Cidr::toString).collect(Collectors.joining(","));
    }

    /**
     * Labels as one cell: KEY=VALUE,... in key order. A loop, not a stream of the sorted map's entries: that stream
     * asks for their comparator, a serializable lambda of the JDK's that the JVM makes at run time in every command
     * (the start-up cache keeps only plain lambdas; docs/agent.md, "Start-up of a command").
     */
    static String labels(Map<String, String> labels) {
        StringJoiner cell = new StringJoiner(",");
        for (Map.Entry<String, String> label : labels.entrySet()) {
            cell.add(label.getKey() + "=" + label.getValue());
        }
        return cell.toString();
    }

    private static Table header(Class<? extends Resource> kind) {
        if (kind == Node.class) return new Table("NAME", "IPV4", "IPV6", "AS");
        if (kind == IpPool.class) return new Table("CIDR", "NAT-OUTGOING", "BLOCK-SIZE", "DISABLED");
        if (kind == IpamBlock.class) return new Table("CIDR", "NODE", "USED", "FREE");
        if (kind == Profile.class) return new Table("NAME", "TAGS", "INBOUND-RULES", "OUTBOUND-RULES");
        if (kind == WorkloadEndpoint.class) return new Table("ENDPOINT", "NODE", "CONTAINER", "INTERFACE", "ADDRESSES", "PROFILES");
        if (kind == EndpointStatus.class) return new Table("ENDPOINT", "NODE", "STATE", "DETAIL");
        if (kind == BgpPeer.class) return new Table("PEER", "AS", "NODE");
        if (kind == BgpConfiguration.class) return new Table("NAME", "DEFAULT-AS", "NODE-MESH");
        if (kind == Tier.class) return new Table("NAME", "ORDER", "DEFAULT-ACTION");
        if (kind == GlobalNetworkPolicy.class) return new Table("NAME", "TIER", "ORDER", "SELECTOR", "TYPES", "INGRESS-RULES", "EGRESS-RULES");
        if (kind == NetworkPolicy.class || kind == KubernetesNetworkPolicy.class) return new Table("NAMESPACE", "NAME", "TIER", "ORDER", "SELECTOR", "TYPES", "INGRESS-RULES", "EGRESS-RULES");
        if (kind == GlobalNetworkSet.class) return new Table("NAME", "LABELS", "NETS");
        if (kind == NetworkSet.class) return new Table("NAMESPACE", "NAME", "LABELS", "NETS");
        if (kind == Namespace.class) return new Table("NAME", "LABELS");
        return new Table("NAME", "RESYNC-INTERVAL", "ENDPOINT-TO-HOST", "INTERFACE-PREFIX", "LOG-LEVEL");
    }
}
