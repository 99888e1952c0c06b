package org.jcalico.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;
import org.jcalico.workload.ContainerNamespace;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.VethAttacher;

/**
 * The verbs, done with the services every front-end uses: {@link ContainerService} attaches and detaches (its intent
 * records make an ADD all or nothing, even across a kill -9), jcalico's IPAM or a delegated IPAM plugin gives the
 * addresses. Each verb returns what goes on standard output (empty for none) or throws a {@link CniError}.
 */
public final class CniPlugin implements CniVerbs {
    /** An ADD returns once the node's agent has programmed the endpoint (routes, rules, sets). */
    static final Duration PROGRAMMED = Duration.ofSeconds(10);
    /** A DEL waits this long for the agent to take the endpoint's state down; it succeeds either way. */
    static final Duration UNPROGRAMMED = Duration.ofSeconds(5);
    private final ResourceStore store;
    private final ContainerService containers;
    private final HostProbe probe;
    private final String node;
    private final StringBuilder stderr;

    /** @param stderr collects what goes to standard error (notes, a delegated plugin's output) */
    public CniPlugin(ResourceStore store, ContainerService containers, HostProbe probe, String node, StringBuilder stderr) {
        this.store = store;
        this.containers = containers;
        this.probe = probe;
        this.node = node;
        this.stderr = stderr;
    }

    public static ObjectNode version(CniRequest request) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("cniVersion", request.config() == null ? CniVersion.LATEST : request.config().cniVersion());
        CniVersion.SUPPORTED.forEach(answer.putArray("supportedVersions")::add);
        return answer;
    }

    @Override
    public ObjectNode add(CniRequest request) {
        if (!Files.exists(request.netns())) {
            throw new CniError(CniError.UNKNOWN_CONTAINER, "no such container",
                    "CNI_NETNS " + Shown.value(request.netns()) + " does not exist");
        }
        Identity identity = Identity.of(request.config(), request.args());
        identity.notes().forEach(note -> stderr.append("jcalico-cni: ").append(note).append('\n'));
        DelegatedIpam ipam = delegatedIpam(request);
        List<IpAddress> addresses = List.of();
        if (ipam != null) {
            // refused before the IPAM plugin is asked: undoing its second allocation would release the first one too
            String endpointId = ContainerService.endpointId(node, request.containerId(), request.ifname());
            if (store.get(WorkloadEndpoint.class, node, endpointId).isPresent()) {
                throw new CniError(CniError.ATTACHMENT_FAILED, "cannot attach container " + Shown.value(request.containerId()),
                        "it already has an endpoint on " + request.ifname() + " (" + endpointId + ")");
            }
            try {
                JsonNode allocated = ipam.run(CniRequest.Verb.ADD);
                addresses = allocated == null ? List.of()
                        : CniResult.parse(allocated).ips().stream().map(CniResult.Ip::address).toList();
                if (addresses.isEmpty()) {
                    throw new CniError(CniError.IPAM_FAILED, "IPAM plugin " + ipam.name() + " gave no address", null);
                }
            } catch (CniError e) {
                // the specification: a delegated plugin that failed its ADD is called again with DEL
                undoIpam(ipam);
                throw e;
            }
        }
        ContainerService.Added added;
        try {
            added = containers.add(node, new ContainerNamespace(request.netns(), request.containerId(),
                            "CNI container " + request.containerId()), Identity.ORCHESTRATOR, addresses,
                    request.config().pools(), identity.profiles(), identity.metadata(), request.ifname(), PROGRAMMED);
        } catch (RuntimeException e) {
            if (ipam != null) {
                undoIpam(ipam);
            }
            throw Failures.of(e, "cannot attach container " + Shown.value(request.containerId()));
        }
        return merge(request, result(request, added.endpoint())).render(request.cniVersion());
    }

    private void undoIpam(DelegatedIpam ipam) {
        try {
            ipam.run(CniRequest.Verb.DEL);
        } catch (CniError undo) {
            stderr.append("jcalico-cni: releasing the address again failed: ").append(undo.getMessage()).append('\n');
        }
    }

    /** The host side first, then the container's interface, as the specification's examples list them. */
    private static CniResult result(CniRequest request, WorkloadEndpoint endpoint) {
        List<CniResult.Interface> interfaces = List.of(
                new CniResult.Interface(endpoint.interfaceName(), VethAttacher.HOST_MAC, ""),
                new CniResult.Interface(request.ifname(), endpoint.mac(), request.netns().toString()));
        List<CniResult.Ip> ips = new ArrayList<>();
        List<CniResult.Route> routes = new ArrayList<>();
        for (Cidr net : endpoint.nets()) {
            IpAddress gateway = IpAddress.parse(net.version() == 4 ? VethAttacher.IPV4_GATEWAY : VethAttacher.IPV6_GATEWAY);
            ips.add(new CniResult.Ip(net.network(), net.prefixLength(), gateway, 1));
            routes.add(new CniResult.Route(Cidr.parse(net.version() == 4 ? "0.0.0.0/0" : "::/0"), gateway));
        }
        return new CniResult(interfaces, ips, routes, request.config().dns());
    }

    /** A plugin given a previous result hands it on with its own changes added. */
    private static CniResult merge(CniRequest request, CniResult own) {
        if (request.config().prevResult() == null) {
            return own;
        }
        CniResult previous = CniResult.parse(request.config().prevResult());
        int shift = previous.interfaces().size();
        List<CniResult.Interface> interfaces = new ArrayList<>(previous.interfaces());
        interfaces.addAll(own.interfaces());
        List<CniResult.Ip> ips = new ArrayList<>(previous.ips());
        own.ips().forEach(ip -> ips.add(new CniResult.Ip(ip.address(), ip.prefixLength(), ip.gateway(), ip.interfaceIndex() + shift)));
        List<CniResult.Route> routes = new ArrayList<>(previous.routes());
        routes.addAll(own.routes());
        return new CniResult(interfaces, ips, routes, own.dns() != null ? own.dns() : previous.dns());
    }

    @Override
    public void del(CniRequest request) {
        String endpointId = ContainerService.endpointId(node, request.containerId(), request.ifname());
        List<CniError> failures = new ArrayList<>();
        try {
            ContainerService.Removed removed = containers.detach(node, request.containerId(), request.containerId(),
                    endpoint -> endpoint.endpointId().equals(endpointId), UNPROGRAMMED);
            if (removed.endpoints().isEmpty()) {
                // its own record unreadable: still there, and so is what it holds; DEL must not say it is gone
                store.unreadable(WorkloadEndpoint.class, node + "/" + endpointId).ifPresent(record -> {
                    throw new ValidationException("its endpoint record " + Shown.value(record.key()) + " cannot be read ("
                            + Shown.message(record.problem()) + "): 'jcalico delete WorkloadEndpoint " + node + "/" + endpointId
                            + "' removes it and what it left");
                });
            }
        } catch (RuntimeException e) {
            failures.add(Failures.of(e, "cannot detach container " + Shown.value(request.containerId())));
        }
        DelegatedIpam ipam = delegatedIpam(request);
        if (ipam != null) {
            try {
                ipam.run(CniRequest.Verb.DEL);
            } catch (CniError e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    @Override
    public void check(CniRequest request) {
        if (request.config().prevResult() == null) {
            throw NetworkConfig.invalid("prevResult: missing (CHECK is given the ADD's result)");
        }
        String endpointId = ContainerService.endpointId(node, request.containerId(), request.ifname());
        WorkloadEndpoint endpoint = store.get(WorkloadEndpoint.class, node, endpointId).map(Versioned::resource)
                .orElseThrow(() -> notAsRecorded("no endpoint is recorded for container " + Shown.value(request.containerId())
                        + " interface " + request.ifname() + " on node " + node));
        for (CniResult.Ip ip : CniResult.parse(request.config().prevResult()).ips()) {
            if (!endpoint.nets().contains(Cidr.host(ip.address()))) {
                throw notAsRecorded("the previous result's address " + ip + " is not the endpoint's (" + Shown.names(endpoint.nets()) + ")");
            }
        }
        Optional<String> problem = probe.problem(request, endpoint);
        if (problem.isPresent()) {
            throw notAsRecorded(problem.get());
        }
        // a report of an earlier record of the endpoint's id says nothing of this one's
        Optional<EndpointStatus> status = containers.statusOf(node, endpointId).filter(report -> report.isAbout(endpoint));
        if (status.isEmpty() || status.get().state() != EndpointStatus.State.programmed) {
            throw notAsRecorded("the agent on node " + node + " has not programmed the endpoint ("
                    + status.map(s -> s.state() + (s.detail() == null ? "" : ": " + s.detail())).orElse("no report") + ")");
        }
        DelegatedIpam ipam = delegatedIpam(request);
        if (ipam != null) {
            ipam.run(CniRequest.Verb.CHECK);
        }
    }

    /** The datastore answers and the node is registered; the agent's part is the caller's (see CniInvocation). */
    @Override
    public void status(CniRequest request) {
        try {
            if (store.get(org.jcalico.model.Node.class, node).isEmpty()) {
                throw new CniError(CniError.NOT_AVAILABLE, "jcalico is not available", "node " + node
                        + " is not registered: start its agent with 'jcalico node start'");
            }
        } catch (RuntimeException e) {
            throw e instanceof CniError error ? error
                    : new CniError(CniError.NOT_AVAILABLE, "jcalico is not available", "the datastore cannot serve: " + e.getMessage());
        }
        DelegatedIpam ipam = delegatedIpam(request);
        if (ipam != null && ipam.hasStatusAndGc()) {
            try {
                ipam.run(CniRequest.Verb.STATUS);
            } catch (CniError e) {
                throw new CniError(CniError.NOT_AVAILABLE, "jcalico is not available", e.getMessage());
            }
        }
    }

    /** Detaches this network's endpoints on this node whose attachment the runtime no longer knows. */
    @Override
    public void gc(CniRequest request) {
        List<NetworkConfig.AttachmentId> valid = request.config().validAttachments();
        if (valid == null) {
            throw NetworkConfig.invalid("cni.dev/valid-attachments: missing (GC is given the attachments to keep)");
        }
        Set<String> keep = new HashSet<>();
        valid.forEach(a -> keep.add(ContainerService.endpointId(node, a.containerId(), a.ifname())));
        List<String> failures = new ArrayList<>();
        List<WorkloadEndpoint> detached = new ArrayList<>();
        // one wait for commands under way on the containers too, not one each: a container still busy after it is
        // left to the runtime's next GC, and the answer names it (docs/cni.md, "Session 57 (t-join)")
        ContainerService.UnderWayWait underWay = ContainerService.UnderWayWait.begun();
        for (WorkloadEndpoint endpoint : containers.endpointsUnder(node).resources()) {
            if (!Identity.ORCHESTRATOR.equals(endpoint.orchestrator())
                    || !request.config().name().equals(endpoint.labels().get(Identity.NETWORK_LABEL))
                    || keep.contains(endpoint.endpointId())) {
                continue;
            }
            try {
                // one wait for them all, below: the agent may be down, and N waits made a GC of N stale ones N times as long
                detached.addAll(containers.detach(node, endpoint.containerId(), endpoint.containerId(),
                        e -> e.endpointId().equals(endpoint.endpointId()), Duration.ZERO, underWay).endpoints());
                stderr.append("jcalico-cni: GC detached container ").append(endpoint.containerId()).append('\n');
            } catch (RuntimeException e) {
                failures.add(endpoint.containerId() + ": " + e.getMessage());
            }
        }
        containers.awaitUnprogrammed(node, detached, UNPROGRAMMED);
        DelegatedIpam ipam = delegatedIpam(request);
        if (ipam != null && ipam.hasStatusAndGc()) {
            try {
                ipam.run(CniRequest.Verb.GC);
            } catch (CniError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new CniError(CniError.ATTACHMENT_FAILED, "GC could not detach every stale attachment", String.join("; ", failures));
        }
    }

    private DelegatedIpam delegatedIpam(CniRequest request) {
        return request.config().ipamType().equals(NetworkConfig.JCALICO_IPAM) ? null : new DelegatedIpam(request, stderr);
    }

    private static CniError notAsRecorded(String details) {
        return new CniError(CniError.NOT_AS_RECORDED, "the attachment is not as recorded", details);
    }
}
