package org.jcalico.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.ClusterReading;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.Origin;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.lab.Probe;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Protocol;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.Explanation;
import org.jcalico.policy.Packet;
import org.jcalico.policy.PolicyCluster;
import org.jcalico.policy.PolicyVerdicts;
import org.jcalico.policy.Verdict;
import org.jcalico.workload.ContainerResolver;

/**
 * `policy explain`: the model's verdict on a packet from FROM to TO, then the kernel's: one probe from FROM's network
 * namespace, the packet counters of the endpoints' chains read on their hosts before and after it, and each rule that
 * counted it told by its origin in the node's desired state (the agent's own calculation from the same store). A
 * probe is sent only to an endpoint or to an address that lives in a network namespace of this machine.
 */
public final class PolicyExplainer {
    private static final String TABLE = "filter";
    private final ClusterReading reading;
    private final PolicyCluster cluster;
    private final HostKernels hosts;
    private final ContainerResolver resolver;
    /** The origins of a node's desired rules in one family ("NODE/FAMILY"): one calculation per node and family. */
    private final Map<String, Map<String, Origin>> origins = new HashMap<>();
    /** Each node's desired state, as the agent calculates it from the same store: one calculation per node. */
    private final Map<String, HostState> states = new HashMap<>();

    public PolicyExplainer(ClusterReading reading, HostKernels hosts, ContainerResolver resolver) {
        this.reading = reading;
        this.cluster = reading.policyCluster();
        this.hosts = hosts;
        this.resolver = resolver;
    }

    /**
     * @param protocol  tcp, udp or icmp; null: tcp with a port, else icmp
     * @param family    4 or 6; null: that of an address given, else one both endpoints have (IPv4 first)
     * @param fromNetns for FROM outside every endpoint: the namespace that has its address, to send the probe from
     */
    public record Request(String from, String to, String protocol, Integer port, Integer family, String fromNetns) {
    }

    /** One side of the packet: an endpoint, or an address outside every endpoint. */
    private record Party(String given, WorkloadEndpoint endpoint, IpAddress address) {
        String describe() {
            return endpoint == null ? address + " (outside every endpoint)"
                    : "endpoint " + endpoint.endpointId() + " (" + endpoint.containerId() + ") on " + endpoint.node() + ", " + address;
        }

        String name() {
            return endpoint == null || given.equals(endpoint.endpointId()) ? given : given + " (" + endpoint.endpointId() + ")";
        }
    }

    public ExplainReport explain(Request request) {
        Object from = target(request.from(), "FROM");
        Object to = target(request.to(), "TO");
        int family = family(request.family(), from, to);
        Party source = party(request.from(), from, family);
        Party destination = party(request.to(), to, family);
        Packet packet = packet(request.protocol(), request.port(), source.address(), destination.address());
        Explanation model = new PolicyVerdicts(cluster).explain(packet, source.endpoint(), destination.endpoint());

        CommandRunner sender = sender(source, request.fromNetns());
        String refusal = sender == null ? (request.fromNetns() == null
                ? "FROM is outside every endpoint: give --from-netns NAME, the namespace that has " + source.address()
                + ", to send the probe from there" : null)
                : destinationRefusal(destination);
        Map<String, CommandRunner> runners = new LinkedHashMap<>();
        String egressNote = kernelNote(source, runners, "egress");
        String ingressNote = kernelNote(destination, runners, "ingress");
        if (refusal != null) {
            return report(source, destination, model, "no probe sent: " + refusal, null,
                    egressNote != null ? egressNote : "not read: no probe sent", null,
                    ingressNote != null ? ingressNote : "not read: no probe sent");
        }
        Map<String, RuleCounters> before = new HashMap<>();
        runners.forEach((node, runner) -> before.put(node, counters(runner, family, state(node).driver())));
        Probe probe = probe(packet, destination.address());
        CommandRunner.Result sent = sender.run(probe.command());
        if (probe.kind() == Probe.Kind.udp) {
            settle();
        }
        String outcome = "one " + probe.kind() + " probe from " + source.given() + ": " + outcome(probe.kind(), sent);
        Map<String, RuleCounters> counted = new HashMap<>();
        runners.forEach((node, runner) -> counted.put(node,
                counters(runner, family, state(node).driver()).since(before.get(node))));
        KernelPath egress = path(source, Direction.OUTBOUND, counted, family);
        KernelPath ingress = path(destination, Direction.INBOUND, counted, family);
        return report(source, destination, model, outcome, egress, egressNote, ingress, ingressNote);
    }

    /** What the sender saw; timeout(1) exits 124 when the connection was neither accepted nor refused in time. */
    private static String outcome(Probe.Kind kind, CommandRunner.Result sent) {
        return switch (kind) {
            case udp -> "sent";
            case ping -> sent.ok() ? "answered" : "no answer within 1 s";
            case tcp -> sent.ok() ? "connected" : sent.exitCode() == 124 ? "no answer within 1 s" : "refused (the destination answered)";
        };
    }

    /** A datagram is on its way when its sender returns: let it cross the hosts before the counters are read. */
    private static void settle() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ExplainReport report(Party source, Party destination, Explanation model, String probe, KernelPath egress,
                                 String egressNote, KernelPath ingress, String ingressNote) {
        List<String> mismatches = new ArrayList<>();
        String out = Comparison.mismatch(Verdict.name(Direction.OUTBOUND) + " of " + source.name(), model.egress(), egress, true);
        if (out != null) {
            mismatches.add(out);
        }
        boolean reached = source.endpoint() == null
                || (egress != null ? egress.decision() != null && egress.decision().accepts() : model.egress().allows());
        String in = Comparison.mismatch(Verdict.name(Direction.INBOUND) + " of " + destination.name(), model.ingress(), ingress, reached);
        if (in != null) {
            mismatches.add(in);
        }
        return new ExplainReport(source.describe(), destination.describe(), model, probe, egress, egressNote, ingress,
                ingressNote, mismatches);
    }

    /** Why the kernel of this side's host is not read, or null; the runner of a readable host is added. */
    private String kernelNote(Party party, Map<String, CommandRunner> runners, String direction) {
        if (party.endpoint() == null) {
            return "not an endpoint: no " + direction + " policy";
        }
        String node = party.endpoint().node();
        CommandRunner runner = hosts.runner(node);
        if (runner == null) {
            return "node " + node + "'s kernel is not reachable from here (run explain on " + node + ", or give --lab)";
        }
        runners.putIfAbsent(node, runner);
        return null;
    }

    private KernelPath path(Party party, Direction direction, Map<String, RuleCounters> counted, int family) {
        if (party.endpoint() == null || !counted.containsKey(party.endpoint().node())) {
            return null;
        }
        String node = party.endpoint().node();
        String iface = party.endpoint().interfaceName();
        String chain = direction == Direction.OUTBOUND ? DataplaneNames.fromEndpoint(iface) : DataplaneNames.toEndpoint(iface);
        return KernelPath.read(counted.get(node), chain,
                origins.computeIfAbsent(node + "/" + family, key -> origins(state(node), family)));
    }

    private HostState state(String node) {
        return states.computeIfAbsent(node, reading::desiredState);
    }

    /** The origin of every rule of the node's desired filter table in one family, by the tag the driver gives it. */
    public static Map<String, Origin> origins(HostState state, int family) {
        Map<String, Origin> origins = new HashMap<>();
        for (Chain chain : state.iptables(family).chains(TABLE).values()) {
            for (int i = 0; i < chain.rules().size(); i++) {
                origins.put(RuleHash.of(chain.name(), chain.rules().get(i)), chain.origins().get(i));
            }
        }
        return origins;
    }

    /**
     * The counters of jcalico's rules in a host, from the dataplane the node's state is written for: iptables-save,
     * or jcalico's nft table (none yet: nothing counted).
     */
    public static RuleCounters counters(CommandRunner runner, int family, DataplaneDriver driver) {
        if (driver == DataplaneDriver.NFTABLES) {
            CommandRunner.Result listed = runner.run("nft", "list", "table", family == 4 ? "ip" : "ip6", "jcalico");
            return listed.ok() ? RuleCounters.parseNft(listed.stdout()) : new RuleCounters(Map.of());
        }
        String save = runner.run(family == 4 ? "iptables-save" : "ip6tables-save", "-c", "-t", TABLE).check().stdout();
        return RuleCounters.parse(save, TABLE);
    }

    /** The namespace to send from: FROM's workload, or the namespace given for an address outside. */
    private CommandRunner sender(Party source, String fromNetns) {
        if (source.endpoint() != null) {
            return CommandRunner.atPath(resolver.resolve(source.endpoint().containerId()).path().toString());
        }
        if (fromNetns == null) {
            return null;
        }
        if (!Namespaces.list().contains(fromNetns)) {
            throw new ValidationException("--from-netns: there is no network namespace '" + fromNetns + "'");
        }
        CommandRunner runner = CommandRunner.inNamespace(fromNetns);
        if (!hasAddress(runner, source.address())) {
            throw new ValidationException("--from-netns: " + source.address() + " is not an address of namespace " + fromNetns);
        }
        return runner;
    }

    /** Null when a probe may go to the destination: an endpoint, or an address of a network namespace here. */
    private static String destinationRefusal(Party destination) {
        if (destination.endpoint() != null) {
            return null;
        }
        for (String namespace : Namespaces.list()) {
            if (hasAddress(CommandRunner.inNamespace(namespace), destination.address())) {
                return null;
            }
        }
        return "TO " + destination.address() + " is neither an endpoint nor an address of a network namespace on this"
                + " machine, and explain sends probes only inside the cluster and its lab";
    }

    private static boolean hasAddress(CommandRunner runner, IpAddress address) {
        String addresses = runner.run("ip", "-o", "addr", "show").stdout();
        return addresses.contains(" " + address + "/");
    }

    private static Probe probe(Packet packet, IpAddress to) {
        String label = "explain";
        if (packet.protocol().isIcmp()) {
            return Probe.ping(label, to);
        }
        return packet.protocol().name().equals("udp") ? Probe.udp(label, to, packet.destinationPort())
                : Probe.tcp(label, to, packet.destinationPort());
    }

    /**
     * The packet a probe sends (the UI's connectivity matrix asks the model about the same ones).
     *
     * @param protocol tcp, udp or icmp; null: tcp with a port, else icmp
     */
    public static Packet packet(String requestedProtocol, Integer port, IpAddress source, IpAddress destination) {
        String protocol = probeProtocol(requestedProtocol, port);
        return protocol.equals("icmp") ? Packet.echoRequest(source, destination)
                : Packet.toPort(source, destination, Protocol.parse(protocol), port);
    }

    /**
     * The protocol of the probe a protocol and a port ask for, checked (tcp with a port, else icmp, when none is
     * given); apart from building a packet, for whoever must refuse a bad question before it has two addresses.
     */
    public static String probeProtocol(String requestedProtocol, Integer port) {
        String protocol = requestedProtocol != null ? requestedProtocol : port != null ? "tcp" : "icmp";
        switch (protocol) {
            case "tcp", "udp" -> {
                if (port == null) {
                    throw new ValidationException("--port: needed for " + protocol);
                }
                if (port < 1 || port > 65535) {
                    throw ValidationException.field("--port", port, "is not a port number 1-65535");
                }
            }
            case "icmp" -> {
                if (port != null) {
                    throw new ValidationException("--port: icmp has no ports");
                }
            }
            default -> throw ValidationException.field("--protocol", protocol, "is not tcp, udp or icmp");
        }
        return protocol;
    }

    /** An address (an endpoint's, or one outside every endpoint), an endpoint id, or a container. */
    private Object target(String text, String what) {
        IpAddress address = IpAddress.parseOrNull(text);
        if (address != null) {
            WorkloadEndpoint endpoint = cluster.endpointAt(address);
            return endpoint != null ? endpoint : address;
        }
        WorkloadEndpoint byId = cluster.endpoint(text);
        if (byId != null) {
            return byId;
        }
        List<WorkloadEndpoint> ofContainer = endpointsOf(text);
        if (ofContainer.isEmpty()) {
            String resolved = resolvedContainerId(text);
            ofContainer = resolved == null ? List.of() : endpointsOf(resolved);
        }
        if (ofContainer.isEmpty()) {
            throw new ValidationException(what + ": '" + text + "' is not an address, an endpoint id or a container with an endpoint");
        }
        if (ofContainer.size() > 1) {
            throw new ValidationException(what + ": container '" + text + "' has several endpoints; give one of their ids: "
                    + String.join(", ", ofContainer.stream().map(WorkloadEndpoint::endpointId).toList()));
        }
        return ofContainer.get(0);
    }

    private List<WorkloadEndpoint> endpointsOf(String containerId) {
        return cluster.endpoints().stream().filter(endpoint -> endpoint.containerId().equals(containerId)
                || containerId.length() >= 12 && endpoint.containerId().startsWith(containerId)).toList();
    }

    private String resolvedContainerId(String text) {
        try {
            return resolver.resolve(text).containerId();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static int family(Integer requested, Object from, Object to) {
        if (requested != null) {
            if (requested != 4 && requested != 6) {
                throw ValidationException.field("--family", requested, "is not 4 or 6");
            }
            return requested;
        }
        for (Object side : List.of(from, to)) {
            if (side instanceof IpAddress address) {
                return address.version();
            }
        }
        WorkloadEndpoint a = (WorkloadEndpoint) from;
        WorkloadEndpoint b = (WorkloadEndpoint) to;
        return !a.nets(4).isEmpty() && !b.nets(4).isEmpty() ? 4 : 6;
    }

    private static Party party(String given, Object target, int family) {
        if (target instanceof IpAddress address) {
            if (address.version() != family) {
                throw new ValidationException("'" + given + "' is not an IPv" + family + " address");
            }
            return new Party(given, null, address);
        }
        WorkloadEndpoint endpoint = (WorkloadEndpoint) target;
        List<Cidr> nets = endpoint.nets(family);
        if (nets.isEmpty()) {
            throw new ValidationException("'" + given + "' has no IPv" + family + " address");
        }
        IpAddress address = IpAddress.parseOrNull(given);
        return new Party(given, endpoint, address != null ? address : nets.get(0).network());
    }
}
