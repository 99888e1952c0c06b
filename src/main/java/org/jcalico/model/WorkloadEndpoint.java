package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A container's network interface as the orchestrator intends it. What the node's agent made of it is reported
 * separately, as an {@link EndpointStatus}, so that the agent never races the orchestrator for this record.
 * Its namespace (default {@value Namespace#DEFAULT}), labels and named ports are what policy selectors see; records
 * stored before they existed read as the defaults.
 */
public record WorkloadEndpoint(String node, String orchestrator, String containerId, String endpointId,
                               String interfaceName, String mac, List<Cidr> ipv4Nets, List<Cidr> ipv6Nets,
                               List<String> profileIds, String state, String namespace,
                               @KeepsEmptyValues Map<String, String> labels, List<EndpointPort> ports,
                               Long createdAtMillis, List<Cidr> allowSpoofedSourcePrefixes)
        implements Resource {
    public static final String KIND = "WorkloadEndpoint";
    /**
     * The state of an endpoint that may pass traffic. Any other state is Calico's admin-down: the agent programs the
     * endpoint isolated, all its traffic dropped both ways ({@link #isolation}).
     */
    public static final String ACTIVE = "active";
    /**
     * What the kernel takes as an interface name and no command line can take for an option: up to 15 letters, digits,
     * '_', '.', '-', no leading '-' or '.' (so not "." or "..").
     */
    private static final int INTERFACE_MAX = 15;
    /**
     * The container id and interface name of an endpoint {@link #elsewhere}: an object of its own (not the interned
     * literal), so that no decoded or written value can be it, and only elsewhere() makes a record that holds it.
     */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String NOT_KEPT = new String("(not kept)");

    public WorkloadEndpoint {
        // an endpoint elsewhere() is made from a record that this constructor checked and interned already: 100,000
        // checks again would cost the agent's start tens of milliseconds for nothing
        if (containerId != NOT_KEPT) {
            Names.check("node", node);
            Names.check("endpointId", endpointId);
            if (containerId == null || containerId.isBlank()) {
                throw new ValidationException("containerId: missing");
            }
            Names.checkText("containerId", containerId);
            orchestrator = Names.checkText("orchestrator", orchestrator == null || orchestrator.isEmpty() ? "jcalico" : orchestrator);
            if (interfaceName == null || !AsciiNames.isName(interfaceName, INTERFACE_MAX, true, false)) {
                throw ValidationException.field("interfaceName", interfaceName, "is not a valid interface name (up to 15 characters)");
            }
            if (mac != null && !AsciiNames.isMac(mac)) {
                throw ValidationException.field("mac", mac, "is not a lower-case MAC address like 02:00:00:00:00:01");
            }
            ipv4Nets = versioned("ipv4Nets", ipv4Nets, 4);
            ipv6Nets = versioned("ipv6Nets", ipv6Nets, 6);
            profileIds = Lists.copy("profileIds", profileIds);
            profileIds.forEach(id -> Names.check("profileIds", id));
            state = Names.checkText("state", state == null || state.isEmpty() ? ACTIVE : state);
            // an agent holds every endpoint of the cluster: equal labels, namespaces, ports, profile lists, orchestrators
            // and states are kept once
            node = node.intern();
            orchestrator = orchestrator.intern();
            state = state.intern();
            profileIds = Interned.of(profileIds);
            namespace = namespaceOrDefault(namespace).intern();
            labels = Interned.of(LabelRules.checkOwn("labels", labels));
            ports = Interned.of(checkPorts(ports));
            allowSpoofedSourcePrefixes = Lists.copy("allowSpoofedSourcePrefixes", allowSpoofedSourcePrefixes);
        }
    }

    /** An endpoint that sends from its own addresses alone. */
    public WorkloadEndpoint(String node, String orchestrator, String containerId, String endpointId, String interfaceName,
                            String mac, List<Cidr> ipv4Nets, List<Cidr> ipv6Nets, List<String> profileIds, String state,
                            String namespace, Map<String, String> labels, List<EndpointPort> ports, Long createdAtMillis) {
        this(node, orchestrator, containerId, endpointId, interfaceName, mac, ipv4Nets, ipv6Nets, profileIds, state, namespace,
                labels, ports, createdAtMillis, List.of());
    }

    /**
     * An endpoint without a creation time. {@code createdAtMillis} is the writer's wall clock just before it commits
     * the record (null in records written before it existed): the agent measures the endpoint's programming latency
     * from it (docs/observability.md). The writer is the endpoint's own node, so it is the agent's clock.
     */
    public WorkloadEndpoint(String node, String orchestrator, String containerId, String endpointId,
                            String interfaceName, String mac, List<Cidr> ipv4Nets, List<Cidr> ipv6Nets,
                            List<String> profileIds, String state, String namespace, Map<String, String> labels,
                            List<EndpointPort> ports) {
        this(node, orchestrator, containerId, endpointId, interfaceName, mac, ipv4Nets, ipv6Nets, profileIds, state,
                namespace, labels, ports, null, List.of());
    }

    /** A namespace as given, absent or empty meaning {@value Namespace#DEFAULT}. */
    public static String namespaceOrDefault(String namespace) {
        return Namespace.checkName("namespace", namespace == null || namespace.isEmpty() ? Namespace.DEFAULT : namespace);
    }

    /** Named ports as given: a name declared twice for one protocol would leave a named port ambiguous. */
    public static List<EndpointPort> checkPorts(List<EndpointPort> ports) {
        List<EndpointPort> copy = Lists.copy("ports", ports);
        Set<String> declared = new HashSet<>();
        for (EndpointPort port : copy) {
            if (!declared.add(port.name() + "/" + port.protocol())) {
                throw ValidationException.field("ports", port.name(), "is declared twice for " + port.protocol());
            }
        }
        return copy;
    }

    /**
     * This endpoint as an agent of another node keeps it: what its calculation reads (node, endpoint id, addresses,
     * profiles, state, namespace, labels, named ports, the prefixes it may send from) and nothing else. Its container
     * id and interface name (the third and fourth strings of each of a cluster's endpoints, 10 MB of an agent's heap
     * with 100,000 of them) read as "(not kept)", its MAC address and creation time as absent. It cannot be written
     * ({@link #isWhole}), and the datastore's record still holds everything.
     */
    public WorkloadEndpoint elsewhere() {
        return new WorkloadEndpoint(node, orchestrator, NOT_KEPT, endpointId, NOT_KEPT, null, ipv4Nets, ipv6Nets, profileIds,
                state, namespace, labels, ports, null, allowSpoofedSourcePrefixes);
    }

    /** False for an endpoint as another node's agent keeps it ({@link #elsewhere}), which lacks what a record holds. */
    @JsonIgnore
    public boolean isWhole() {
        return containerId != NOT_KEPT;
    }

    public WorkloadEndpoint withLabels(Map<String, String> newLabels) {
        return new WorkloadEndpoint(node, orchestrator, containerId, endpointId, interfaceName, mac, ipv4Nets,
                ipv6Nets, profileIds, state, namespace, newLabels, ports, createdAtMillis, allowSpoofedSourcePrefixes);
    }

    public WorkloadEndpoint withState(String newState) {
        return new WorkloadEndpoint(node, orchestrator, containerId, endpointId, interfaceName, mac, ipv4Nets,
                ipv6Nets, profileIds, newState, namespace, labels, ports, createdAtMillis, allowSpoofedSourcePrefixes);
    }

    /**
     * Why the agent keeps this endpoint isolated, if it does: a state other than {@value #ACTIVE}, as Calico's Felix
     * drops every packet of an admin-down endpoint. What the endpoint's chains and its status say (docs/docker.md,
     * "Container labels").
     */
    @JsonIgnore
    public Optional<String> isolation() {
        return ACTIVE.equals(state) ? Optional.empty() : Optional.of(EndpointStatus.ISOLATED + ": its state is '" + state
                + "', not '" + ACTIVE + "': all its traffic is dropped until it is");
    }

    /** This endpoint as written at {@code millis} (the writer's wall clock). */
    public WorkloadEndpoint createdAt(long millis) {
        return new WorkloadEndpoint(node, orchestrator, containerId, endpointId, interfaceName, mac, ipv4Nets,
                ipv6Nets, profileIds, state, namespace, labels, ports, millis, allowSpoofedSourcePrefixes);
    }

    /**
     * The endpoint with other profiles, labels and source prefixes it may send from besides its own addresses
     * (Calico's allowSpoofedSourcePrefixes): a docker container's endpoint on several networks (docs/docker.md).
     */
    public WorkloadEndpoint withMembership(List<String> newProfileIds, Map<String, String> newLabels, List<Cidr> spoofable) {
        return new WorkloadEndpoint(node, orchestrator, containerId, endpointId, interfaceName, mac, ipv4Nets,
                ipv6Nets, newProfileIds, state, namespace, newLabels, ports, createdAtMillis, spoofable);
    }

    /** The source prefixes of the IP version the endpoint may send from besides its own addresses. */
    public List<Cidr> allowSpoofedSourcePrefixes(int version) {
        return allowSpoofedSourcePrefixes.stream().filter(prefix -> prefix.version() == version).toList();
    }

    private static List<Cidr> versioned(String field, List<Cidr> nets, int version) {
        List<Cidr> copy = Lists.copy(field, nets);
        for (Cidr net : copy) {
            if (net.version() != version) {
                throw ValidationException.field(field, net, "is not IPv" + version);
            }
            ReservedNetworks.checkForEndpoints(field, net);
        }
        return copy;
    }

    /** Every address of this endpoint, IPv4 first. */
    @JsonIgnore
    public List<Cidr> nets() {
        List<Cidr> all = new ArrayList<>(ipv4Nets);
        all.addAll(ipv6Nets);
        return all;
    }

    public List<Cidr> nets(int version) {
        return version == 4 ? ipv4Nets : ipv6Nets;
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return endpointId;
    }
}
