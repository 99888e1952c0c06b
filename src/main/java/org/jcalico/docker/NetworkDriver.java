package org.jcalico.docker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.LabelEdit;
import org.jcalico.model.LabelRules;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;
import org.jcalico.workload.EndpointMetadata;
import org.jcalico.workload.VethAttacher;
import org.jcalico.workload.WorkloadException;
import org.jcalico.util.Futures;
import org.jcalico.util.Shown;

/**
 * The jcalico network driver: docker's network and endpoint calls on jcalico's workload service. A docker network
 * is the jcalico profile of the same name (made by the attach of its first endpoint on any host, kept afterwards);
 * an endpoint is attached from CreateEndpoint on, veth made and endpoint programmed before Join answers, and
 * detached after DeleteEndpoint. See docs/docker.md.
 */
public final class NetworkDriver {
    /** The orchestrator of the endpoints this driver makes; the consistency sweep looks for no others. */
    public static final String ORCHESTRATOR = "docker";
    /** The container label prefix whose labels become endpoint labels. */
    public static final String LABEL_PREFIX = "jcalico.label.";
    /** Every endpoint of network NET carries the label jcalico.network/NET. */
    public static final String NETWORK_LABEL = "jcalico.network/";
    private static final Duration PROGRAMMED_WAIT = Duration.ofSeconds(10);
    private static final long LABEL_WAIT_MILLIS = 30_000;
    /** How dockerd's network inspection names an endpoint it has not tied to a container yet: "ep-" + its id. */
    private static final String UNTIED_PREFIX = "ep-";
    /**
     * The state of an endpoint whose container's labels are not known yet: isolated (Calico's admin-down) until they
     * are copied, since without them a policy selecting them (a Deny on quarantine=yes) would not hold for it.
     */
    static final String AWAITING_LABELS = "awaiting-container-labels";
    private final ContainerService containers;
    private final DockerClient docker;
    private final String node;
    private final Log log;
    /** What CreateEndpoint told about each endpoint, for its Join (docker sends the addresses only there). */
    private final Map<String, Created> created = new ConcurrentHashMap<>();
    /**
     * The endpoints each sandbox (container) joined through this agent, by docker's sandbox key: Join tells the
     * sandbox, never the container. Kept in memory: after an agent restart a container's next network is joined
     * without its earlier ones (docs/docker.md).
     */
    private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();

    /**
     * A sandbox's endpoints, and the turn that a Join into it and the detach of one of them take: each rewrites the
     * others' membership from the siblings it read, so two at once would each lose the other's change (docs/docker.md,
     * "Session 58 (t-join)"). Its endpoints are read outside the turn only to find an endpoint's sandbox.
     */
    private static final class Sandbox {
        final Set<String> endpoints = ConcurrentHashMap.newKeySet();
    }

    /**
     * The networks' names by docker's network id, asked of dockerd at a network's first CreateEndpoint: a docker
     * network keeps its name for life (docker cannot rename one), and a new network has a new id.
     */
    private final Map<String, DockerClient.Network> networks = new ConcurrentHashMap<>();

    /** DeleteEndpoint's and ReleaseAddress's work, done after their answers, in their order. */
    private final ReleaseQueue releases;

    /**
     * @param labels   the joining container's labels, looked up while dockerd goes on from CreateEndpoint to Join (the
     *                 container is listed the same way at both: see {@link #labelsAtJoin})
     * @param attached the endpoint attached as a member of this network alone, veth made and endpoint programmed, also
     *                 while dockerd goes on to Join: what Join answers with unless the container is on other networks;
     *                 its value the veth's host side
     */
    private record Created(String network, List<Cidr> nets, String mac, CompletableFuture<Optional<Map<String, String>>> labels,
                           CompletableFuture<String> attached) {
    }

    public NetworkDriver(ContainerService containers, DockerClient docker, String node, Log log) {
        this.containers = containers;
        this.docker = docker;
        this.node = node;
        this.log = log;
        this.releases = new ReleaseQueue(log);
    }

    public void createNetwork(Protocol.CreateNetwork request) {
        NetworkOptions.check(request.options(), request.ipv4Data(), request.ipv6Data());
        List<Cidr> subnets = java.util.stream.Stream.of(request.ipv4Data(), request.ipv6Data()).filter(java.util.Objects::nonNull)
                .flatMap(List::stream).map(Protocol.IpamData::pool).filter(pool -> !empty(pool)).map(Cidr::parse).toList();
        Map<String, List<Cidr>> others = new TreeMap<>();
        docker.subnets(PluginSpecs.NETWORK_DRIVER, request.networkId())
                .forEach((name, theirs) -> others.put(name, theirs.stream().filter(subnet -> !empty(subnet)).map(Cidr::parse).toList()));
        DockerPools.checkOverlap(subnets, others);
        log.info("docker network " + shortId(request.networkId()) + " created");
    }

    /** The profile stays: it is the cluster's, other hosts' networks of that name may use it, and it may hold rules. */
    public void deleteNetwork(Protocol.NetworkRef request) {
        networks.remove(request.networkId());
        log.info("docker network " + shortId(request.networkId()) + " deleted");
    }

    public Protocol.CreateEndpointAnswer createEndpoint(Protocol.CreateEndpoint request) {
        Protocol.EndpointInterface given = request.iface();
        if (given == null || empty(given.address()) && empty(given.addressIpv6())) {
            throw new ValidationException("the endpoint has no address: create the network with --ipam-driver " + PluginSpecs.IPAM_DRIVER);
        }
        List<Cidr> nets = new ArrayList<>();
        for (String address : new String[] {given.address(), given.addressIpv6()}) {
            if (!empty(address)) {
                nets.add(Cidr.host(Cidr.parseHostOrNet(address.replaceAll("/.*", "")).network()));
            }
        }
        DockerClient.Network network = networks.computeIfAbsent(request.networkId(), id -> docker.network(id).orElseThrow(() ->
                new WorkloadException("docker network " + shortId(id) + " is not known to dockerd at " + docker.socket())));
        LabelRules.checkKey("network", NETWORK_LABEL + network.name());
        String mac = empty(given.macAddress()) ? null : given.macAddress().toLowerCase();
        // started only once this call is the endpoint's one: a second CreateEndpoint of it (a caller retrying, or two at
        // once) is refused and leaves the first's attach, which its Join waits for, alone
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Optional<Map<String, String>>> labels =
                first.thenApplyAsync(go -> labelsAtJoin(network.name()), Thread::startVirtualThread);
        // dockerd's own work between CreateEndpoint and Join (its store, the sandbox) takes milliseconds: the attach
        // is done meanwhile, and Join waits for it; the labels are needed only by the endpoint record, so the intent,
        // the address and the veth do not wait for dockerd's answer
        CompletableFuture<String> attached = first.thenApplyAsync(go -> attach(request.endpointId(), network.name(), nets,
                mac, labels, List.of()), Thread::startVirtualThread);
        if (created.putIfAbsent(request.endpointId(), new Created(network.name(), nets, mac, labels, attached)) != null) {
            throw new ValidationException("docker endpoint " + shortId(request.endpointId())
                    + " was created already: a second CreateEndpoint of it is refused (DeleteEndpoint first)");
        }
        first.complete(null);
        return new Protocol.CreateEndpointAnswer(null);
    }

    public Protocol.JoinAnswer join(Protocol.Join request) {
        Created endpoint = created.get(request.endpointId());
        if (endpoint == null) {
            throw new WorkloadException("endpoint " + shortId(request.endpointId()) + " was created before this agent started: "
                    + againAdvice(request.networkId()));
        }
        String endpointId = endpointId(request.endpointId());
        String sandbox = request.sandboxKey() == null ? "" : request.sandboxKey();
        if (sandboxes.containsKey(sandbox)) {
            // the container had endpoints: one that left it may still be on its way out
            releases.awaitDone();
        }
        record Joined(String hostInterface, CompletableFuture<Optional<Map<String, String>>> labels) {
        }
        Joined joinedAs = inTurn(sandbox, joined -> {
            List<WorkloadEndpoint> siblings = containers.endpoints(node, joined.stream().filter(id -> !id.equals(endpointId)).toList())
                    .stream().filter(sibling -> !sibling.profileIds().isEmpty()).toList();
            // the endpoint's DeleteEndpoint takes it out of `created` under the same lock: one that lands while this
            // makes the endpoint again queues its detach after the attach, and a Join after it makes nothing
            // (docs/docker.md, "Session 57 (t-join)")
            synchronized (endpoint) {
                if (created.get(request.endpointId()) != endpoint) {
                    throw new WorkloadException("docker endpoint " + shortId(request.endpointId()) + " was deleted while it was joining");
                }
                if (siblings.isEmpty()) {
                    String hostInterface = awaitAttached(endpoint);
                    joined.add(endpointId);
                    return new Joined(hostInterface, endpoint.labels());
                }
                // the container is on other networks too: the endpoint attached at CreateEndpoint is a member of this
                // one alone, so it is made again as a member of all of them (docs/docker.md, "A container on several
                // networks"); a running container being connected is not in dockerd's list yet, but its endpoints
                // there carry its labels
                endpoint.attached().handle((done, failure) -> done).join(); // a failed attach undid itself
                detachOutOfTurn(request.endpointId(), Runnable::run);
                CompletableFuture<Optional<Map<String, String>>> known =
                        endpoint.labels().thenApply(told -> told.or(() -> ContainerNetworks.containerLabels(siblings)));
                String hostInterface = attach(request.endpointId(), endpoint.network(), endpoint.nets(), endpoint.mac(), known, siblings);
                joined.add(endpointId);
                return new Joined(hostInterface, known);
            }
        });
        if (joinedAs.labels().join().isEmpty()) {
            Thread.ofVirtual().name("docker-labels-" + shortId(request.endpointId()))
                    .start(() -> copyLabels(request.endpointId()));
        }
        String peer = peerName(endpointId);
        boolean v4 = endpoint.nets().stream().anyMatch(net -> net.version() == 4);
        boolean v6 = endpoint.nets().stream().anyMatch(net -> net.version() == 6);
        String gateway = gatewayV4(endpointId);
        List<Protocol.StaticRoute> routes = new ArrayList<>();
        if (v4) {
            routes.add(Protocol.StaticRoute.connected(gateway + "/32"));
        }
        if (v6) {
            routes.add(Protocol.StaticRoute.connected(VethAttacher.IPV6_GATEWAY + "/128"));
        }
        // dockerd brings the container's side up after this answer, and calls nothing after that
        containers.passesOnceUp(joinedAs.hostInterface());
        return new Protocol.JoinAnswer(new Protocol.InterfaceName(peer, "eth"), v4 ? gateway : null,
                v6 ? VethAttacher.IPV6_GATEWAY : null, routes, true);
    }

    /**
     * Attaches the endpoint as a member of its network and of the networks of its SIBLINGS (the container's endpoints on
     * its other networks, rewritten as members of this one too, and back if the attach fails): veth made, endpoint
     * recorded and programmed, or nothing left. The container's labels (dockerd's answer, asked at CreateEndpoint)
     * are waited for only when the endpoint record is written: no membership but the endpoint's own labels depends
     * on them. Without them (dockerd did not tell) the endpoint is recorded isolated until they are copied. Returns the
     * veth's host side.
     */
    private String attach(String dockerEndpointId, String network, List<Cidr> nets, String mac,
                        CompletableFuture<Optional<Map<String, String>>> containerLabels, List<WorkloadEndpoint> siblings) {
        String endpointId = endpointId(dockerEndpointId);
        ContainerNetworks.Member joining = new ContainerNetworks.Member(endpointId, network, Map.of(NETWORK_LABEL + network, ""), nets);
        List<ContainerNetworks.Member> members = new ArrayList<>(siblings.stream().map(ContainerNetworks.Member::of).toList());
        members.add(joining);
        ContainerNetworks together = new ContainerNetworks(members);
        java.util.function.Supplier<EndpointMetadata> metadata = () -> {
            Map<String, String> labels = new TreeMap<>();
            Optional<Map<String, String>> known = Futures.joined(containerLabels);
            known.ifPresent(labels::putAll);
            labels.put(NETWORK_LABEL + network, "");
            return new EndpointMetadata(null, together.labels(new ContainerNetworks.Member(endpointId, network, labels, nets)), null,
                    known.isPresent() ? WorkloadEndpoint.ACTIVE : AWAITING_LABELS);
        };
        ContainerService.Attaching what = new ContainerService.Attaching(node, ORCHESTRATOR, dockerEndpointId, endpointId,
                "docker endpoint " + shortId(dockerEndpointId) + " on network " + network, together.profiles(joining),
                metadata, together.spoofable(joining));
        regroup(siblings, together);
        try {
            return containers.attachUnplugged(what, nets, IpamDriver.handle(node), peerName(endpointId), mac, PROGRAMMED_WAIT)
                    .endpoint().interfaceName();
        } catch (RuntimeException e) {
            regroup(siblings, new ContainerNetworks(siblings.stream().map(ContainerNetworks.Member::of).toList()));
            throw e;
        }
    }

    /**
     * What to do again when a Join cannot be answered (its CreateEndpoint came before this agent started), fitting what
     * the caller did: dockerd lists a container being started on the network (docker run, docker start) with no
     * endpoint there yet, and a running container being connected to it not at all (see {@link #labelsAtJoin}). A
     * failed start leaves the container created (docker start runs it again); a failed connect leaves it unconnected.
     */
    private String againAdvice(String networkId) {
        try {
            Optional<String> network = docker.network(networkId).map(DockerClient.Network::name);
            List<String> starting = network.map(name -> docker.joining(name).keySet().stream().map(NetworkDriver::shortId).toList())
                    .orElse(List.of());
            if (!starting.isEmpty()) {
                // several being started at once: which one this Join is for, dockerd does not tell
                return "start the container again ('docker start " + (starting.size() == 1 ? starting.getFirst() : "CONTAINER") + "')";
            }
            return "connect the container again ('docker network connect " + network.map(Shown::value).orElse("NETWORK")
                    + " CONTAINER')";
        } catch (RuntimeException e) {
            return "start the container again ('docker start CONTAINER'), or connect it again if it was being connected"
                    + " (dockerd did not tell which: " + e.getMessage() + ")";
        }
    }

    /**
     * Waits for the attach begun at CreateEndpoint, and returns its veth's host side; its failure (after which nothing
     * of it is left) is Join's.
     */
    private static String awaitAttached(Created endpoint) {
        return Futures.joined(endpoint.attached());
    }

    /** The veth's peer, left in the host's namespace for docker to move into the container and rename. */
    private static String peerName(String endpointId) {
        return "tmp" + endpointId.substring(0, 12);
    }

    /**
     * The endpoint's IPv4 gateway: a link-local address of its own, answered by the host side's proxy ARP like
     * 169.254.1.1. Docker installs every endpoint's connected route to its gateway in the one container, and a second
     * route to the same /32 collides ("file exists") when a container joins a second network; IPv6's gateway is
     * link-local per interface already.
     */
    static String gatewayV4(String endpointId) {
        int hash = Integer.parseInt(endpointId.substring(0, 4), 16);
        return "169.254." + (hash / 256 % 254 + 1) + "." + (hash % 254 + 1);
    }

    /**
     * Runs an address's release after the DeleteEndpoints and releases dockerd called before it (see
     * {@link ReleaseQueue}).
     */
    void releaseLater(String what, Runnable release) {
        releases.submit(what, release);
    }

    /** Returns once the work of every DeleteEndpoint and ReleaseAddress answered so far is done (10 s at most). */
    public void awaitReleases() {
        releases.awaitDone();
    }

    /**
     * DeleteEndpoint answers at once; the endpoint's record goes (with the intent to remove the rest, in one commit)
     * right after, on the release queue, and its veth is destroyed after that commit on a thread of its own. Not at
     * Leave: between Leave and DeleteEndpoint dockerd moves the container's side back into the host's namespace
     * under the kernel's rtnetlink lock, which the removal's link and route deletions take too, and beside that move
     * the agent's apply of the removal took twice as long (docs/docker.md, "Session 44 (d-docker)"). Until its record
     * goes the endpoint keeps its rules, and the container's side is out of the container by then, so nothing passes
     * that policy does not allow; its addresses stay held until docker's ReleaseAddress, which the queue runs after
     * this.
     */
    public void deleteEndpoint(Protocol.EndpointRef request) {
        Created endpoint = created.get(request.endpointId());
        if (endpoint != null) {
            forget(request.endpointId(), endpoint);
        }
        releases.submit("DeleteEndpoint of docker endpoint " + shortId(request.endpointId()), () -> detach(request.endpointId(),
                rest -> Thread.ofVirtual().name("docker-delete-" + shortId(request.endpointId())).start(() -> {
                    try {
                        rest.run();
                    } catch (RuntimeException e) {
                        log.warn("docker endpoint " + shortId(request.endpointId()) + ": its veth is left to the intent sweep: " + e.getMessage());
                    }
                })));
    }

    /**
     * Docker is done with the endpoint. A Join under way ends first (it may be detaching the endpoint to attach it
     * again), and so does the attach begun at CreateEndpoint (a Join that never came), so that a detach after this
     * comes after every attach of it; a Join after this finds the endpoint deleted and makes nothing. The endpoint
     * stays among those {@link #created} until its attach has ended: a release of its address looks there for attaches
     * under way (see {@link #releasing}).
     */
    private void forget(String dockerEndpointId, Created endpoint) {
        synchronized (endpoint) {
            endpoint.attached().handle((done, failure) -> done).join();
            created.remove(dockerEndpointId, endpoint);
        }
    }

    /**
     * Docker released the address, so its endpoints of it are gone on docker's side: those this agent was told of are
     * forgotten (their attaches ended) before the release looks for the endpoint records holding it. Else an attach
     * under way could write its record after that look, and, every docker address of the node being held by the one
     * handle, the record's guard passes once the address freed is asked for again: two endpoints of one address
     * (docs/docker.md, "Session 58 (t-join)").
     */
    void releasing(Cidr address) {
        created.forEach((dockerEndpointId, endpoint) -> {
            if (endpoint.nets().contains(address)) {
                forget(dockerEndpointId, endpoint);
            }
        });
    }

    /**
     * Detaches the endpoint docker knows by this id (the consistency sweep too); nothing if it has none. The
     * container's endpoints on its other networks (those it may send from) cease to be members of its network.
     */
    public Optional<WorkloadEndpoint> detach(String dockerEndpointId) {
        return detach(dockerEndpointId, Runnable::run);
    }

    /**
     * {@link #detach(String)}, with the veth and the intent removed on {@code rest}, in the turn of the endpoint's
     * sandbox when this agent knows it (after an agent restart no Join rewrites its siblings: see {@link #sandboxes}).
     */
    private Optional<WorkloadEndpoint> detach(String dockerEndpointId, java.util.concurrent.Executor rest) {
        String endpointId = endpointId(dockerEndpointId);
        Optional<String> sandbox = sandboxes.entrySet().stream().filter(entry -> entry.getValue().endpoints.contains(endpointId))
                .map(Map.Entry::getKey).findFirst();
        if (sandbox.isEmpty()) {
            return detachOutOfTurn(dockerEndpointId, rest);
        }
        return inTurn(sandbox.get(), joined -> {
            Optional<WorkloadEndpoint> detached = detachOutOfTurn(dockerEndpointId, rest);
            joined.remove(endpointId);
            return detached;
        });
    }

    /**
     * Detaches the endpoint, and the container's endpoints on its other networks (those it may send from) cease to be
     * members of its network; the caller holds the sandbox's turn, or no Join can know the endpoint's siblings.
     */
    private Optional<WorkloadEndpoint> detachOutOfTurn(String dockerEndpointId, java.util.concurrent.Executor rest) {
        // no wait for the agent's removal of its chains and set members: nothing can use the endpoint any more (its
        // veth is gone), and the agent applies changes in revision order, so an endpoint that takes the address
        // next is programmed only after that removal (docs/docker.md, "Performance")
        Optional<WorkloadEndpoint> detached = containers.detachEndpoint(node, endpointId(dockerEndpointId), dockerEndpointId,
                "docker endpoint " + shortId(dockerEndpointId), rest);
        detached.filter(gone -> !gone.allowSpoofedSourcePrefixes().isEmpty()).ifPresent(gone -> {
            List<WorkloadEndpoint> left = siblingsOf(gone);
            regroup(left, new ContainerNetworks(left.stream().map(ContainerNetworks.Member::of).toList()));
        });
        return detached;
    }

    /**
     * Runs WORK on the sandbox's endpoints in the sandbox's turn; a sandbox left with none is forgotten. No sandbox key
     * (docker always sends one): no turn, and nothing kept.
     */
    private <T> T inTurn(String key, java.util.function.Function<Set<String>, T> work) {
        if (key.isEmpty()) {
            return work.apply(ConcurrentHashMap.newKeySet());
        }
        while (true) {
            Sandbox sandbox = sandboxes.computeIfAbsent(key, k -> new Sandbox());
            synchronized (sandbox) {
                if (sandboxes.get(key) != sandbox) {
                    continue; // forgotten, empty, while this waited: a new one takes the key
                }
                try {
                    return work.apply(sandbox.endpoints);
                } finally {
                    if (sandbox.endpoints.isEmpty()) {
                        sandboxes.remove(key, sandbox);
                    }
                }
            }
        }
    }

    /** This node's docker endpoints whose addresses the endpoint may send from: the container's other endpoints. */
    private List<WorkloadEndpoint> siblingsOf(WorkloadEndpoint endpoint) {
        return containers.endpointsOn(node, ORCHESTRATOR).stream()
                .filter(other -> !other.endpointId().equals(endpoint.endpointId()) && !other.profileIds().isEmpty())
                .filter(other -> other.nets().stream().anyMatch(endpoint.allowSpoofedSourcePrefixes()::contains))
                .toList();
    }

    /** Rewrites the endpoints as members of the networks together (each compare-and-swap; those gone meanwhile left). */
    private void regroup(List<WorkloadEndpoint> endpoints, ContainerNetworks together) {
        for (WorkloadEndpoint endpoint : endpoints) {
            containers.updateEndpoint(node, endpoint.endpointId(), current -> together.apply(current));
        }
    }

    /** Whether dockerd has an endpoint on a jcalico network (throws when dockerd does not answer). */
    public boolean dockerHasEndpoints() {
        return !docker.endpoints(PluginSpecs.NETWORK_DRIVER).isEmpty();
    }

    /** The endpoint's id on this node: stable for docker's endpoint id, so every call on it finds the same record. */
    public String endpointId(String dockerEndpointId) {
        return ContainerService.endpointId(node, dockerEndpointId, ORCHESTRATOR);
    }

    /**
     * dockerd records which container an endpoint belongs to only after Join has answered, so the container's
     * jcalico.label.K=V labels are copied onto the endpoint afterwards, as soon as dockerd lists it (see docs/docker.md).
     * When they cannot be copied the endpoint stays isolated (fails closed) until the consistency pass copies them.
     */
    private void copyLabels(String dockerEndpointId) {
        long deadline = System.currentTimeMillis() + LABEL_WAIT_MILLIS;
        try {
            while (System.currentTimeMillis() < deadline) {
                if (labelFrom(docker.endpoints(PluginSpecs.NETWORK_DRIVER), dockerEndpointId)) {
                    return;
                }
                Thread.sleep(50);
            }
            log.error("docker endpoint " + shortId(dockerEndpointId) + ": dockerd never listed its container; its labels were not"
                    + " copied and it stays isolated until the consistency pass copies them (or connect the container again)");
        } catch (RuntimeException e) {
            log.error("docker endpoint " + shortId(dockerEndpointId) + ": cannot copy its container's labels (" + e.getMessage()
                    + "); it stays isolated until the consistency pass copies them (or connect the container again)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Copies the container's labels onto the endpoint isolated until they are known, and makes it active in the same
     * compare-and-swap, once dockerd's endpoints (KNOWN) name the endpoint's container; false while they do not.
     * Join has answered by then, so a label jcalico would refuse cannot refuse the container any more: the endpoint is
     * removed instead (fails closed; dockerd keeps its side), since without the label policy selecting it would not
     * hold. Also the consistency pass's, for an endpoint whose copy did not finish (agent restarted, dockerd silent).
     */
    boolean labelFrom(List<DockerClient.NetworkEndpoint> known, String dockerEndpointId) {
        // until dockerd has tied the endpoint to its container it lists it under "ep-" and the endpoint's id
        Optional<String> container = known.stream().filter(e -> e.endpointId().equals(dockerEndpointId))
                .map(DockerClient.NetworkEndpoint::containerId).filter(id -> !id.startsWith(UNTIED_PREFIX)).findFirst();
        if (container.isEmpty()) {
            return false;
        }
        Map<String, String> labels;
        try {
            labels = checked(endpointLabels(docker.labels(container.get())));
        } catch (ValidationException e) {
            log.error("docker endpoint " + shortId(dockerEndpointId) + ": " + e.getMessage() + "; the endpoint is"
                    + " removed: disconnect the container, correct the label and connect it again");
            detach(dockerEndpointId);
            return true;
        }
        List<LabelEdit> edits = labels.entrySet().stream().map(label -> new LabelEdit(label.getKey(), label.getValue())).toList();
        containers.updateEndpoint(node, endpointId(dockerEndpointId), endpoint -> endpoint
                .withLabels(LabelEdit.apply(endpoint.labels(), edits)).withState(WorkloadEndpoint.ACTIVE));
        return true;
    }

    /**
     * The endpoint labels of the container being joined, when dockerd tells which it is: the containers it lists on
     * the network without an endpoint there yet are those being started on it, and every one of them must carry the
     * same jcalico labels. Empty when that does not tell (`docker network connect` of a running container, which
     * dockerd lists on the network only afterwards; containers of different labels started at once; dockerd not
     * answering): then the labels are copied just after Join (see docs/docker.md).
     */
    private Optional<Map<String, String>> labelsAtJoin(String network) {
        List<Map<String, String>> candidates;
        try {
            candidates = docker.joining(network).values().stream().map(NetworkDriver::endpointLabels).distinct().toList();
        } catch (RuntimeException e) {
            log.warn("docker network " + network + ": cannot tell which container joins it: " + e.getMessage());
            return Optional.empty();
        }
        return candidates.size() == 1 ? Optional.of(checked(candidates.getFirst())) : Optional.empty();
    }

    /**
     * The endpoint labels, each checked as an endpoint's own: one that jcalico would refuse refuses the container
     * rather than being left out, since a policy selecting it (a Deny on has(quarantine)) would then not hold for it.
     */
    static Map<String, String> checked(Map<String, String> labels) {
        Map<String, String> checked = new TreeMap<>();
        labels.forEach((key, value) -> {
            try {
                checked.putAll(LabelRules.checkOwn("label", Map.of(key, value)));
            } catch (ValidationException e) {
                throw new ValidationException("container label " + LABEL_PREFIX + Shown.value(key) + "=" + Shown.value(value)
                        + " is refused: " + e.getMessage());
            }
        });
        return checked;
    }

    /** The container's labels jcalico.label.K=V as the endpoint's K=V; others are docker's or the user's business. */
    static Map<String, String> endpointLabels(Map<String, String> containerLabels) {
        Map<String, String> labels = new TreeMap<>();
        containerLabels.forEach((key, value) -> {
            if (key.startsWith(LABEL_PREFIX) && key.length() > LABEL_PREFIX.length()) {
                labels.put(key.substring(LABEL_PREFIX.length()), value);
            }
        });
        return labels;
    }

    private static boolean empty(String text) {
        return text == null || text.isEmpty();
    }

    private static String shortId(String id) {
        return id == null ? "?" : id.length() > 12 ? id.substring(0, 12) : id;
    }
}
