package org.jcalico.workload;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.ProfileService;

/**
 * Attaching containers to the network and detaching them. Adding is all or nothing: every step registers its undo,
 * and a failure anywhere (a taken address, a vanished namespace, an agent that never reports) undoes them all.
 */
public final class ContainerService {
    private static final long POLL_MILLIS = 4;
    private final ResourceStore store;
    private final CommandRunner host;
    private final ContainerResolver resolver;

    public ContainerService(ResourceStore store, CommandRunner host, ContainerResolver resolver) {
        this.store = store;
        this.host = host;
        this.resolver = resolver;
    }

    /** The outcome of an add: the endpoint, the profiles it created, and how long the agent took (-1: not awaited). */
    public record Added(WorkloadEndpoint endpoint, List<String> createdProfiles, long programmedMillis) {
    }

    public Added add(String node, String spec, List<String> addresses, List<String> profiles, String containerInterface,
                     Duration wait) {
        long start = System.nanoTime();
        List<IpAddress> requested = addresses.stream().map(ContainerService::address).toList();
        profiles.forEach(profile -> org.jcalico.model.Names.check("profile", profile));
        ContainerNamespace container = resolver.resolve(spec);
        if (store.get(Node.class, node).isEmpty()) {
            throw new ValidationException("node '" + node + "' is not registered: start its agent with 'jcalico node start'");
        }
        String endpointId = endpointId(node, container.containerId(), containerInterface);
        Optional<Versioned<WorkloadEndpoint>> existing = store.get(WorkloadEndpoint.class, endpointId);
        if (existing.isPresent()) {
            throw new ValidationException(container.description() + " already has an endpoint on " + containerInterface
                    + " (interface " + existing.get().resource().interfaceName() + ")");
        }
        String hostInterface = hostInterface(config(node).interfacePrefix(), endpointId);
        Deque<Runnable> undo = new ArrayDeque<>();
        try {
            List<String> created = createMissingProfiles(profiles, undo);
            List<Cidr> nets = allocate(node, endpointId, requested, undo);
            VethAttacher veth = new VethAttacher(host);
            String mac = veth.attach(hostInterface, container, containerInterface, nets).mac();
            undo.push(() -> veth.detach(hostInterface));
            WorkloadEndpoint endpoint = new WorkloadEndpoint(node, "jcalico", container.containerId(), endpointId,
                    hostInterface, mac, nets.stream().filter(n -> n.version() == 4).toList(),
                    nets.stream().filter(n -> n.version() == 6).toList(), profiles, null);
            store.create(endpoint);
            undo.push(() -> store.get(WorkloadEndpoint.class, endpointId)
                    .ifPresent(current -> store.delete(current.resource(), current.revision())));
            if (!wait.isZero()) {
                awaitProgrammed(node, endpointId, wait);
            }
            return new Added(endpoint, created, wait.isZero() ? -1 : (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            rollBack(undo, e);
            throw e;
        }
    }

    /** Detaches every endpoint of the container on this node; returns them. */
    public List<WorkloadEndpoint> remove(String node, String spec, Duration wait) {
        String containerId = containerIdOf(spec);
        List<Versioned<WorkloadEndpoint>> endpoints = store.list(WorkloadEndpoint.class).stream()
                .filter(e -> e.resource().containerId().equals(containerId)
                        || (containerId.length() >= 12 && e.resource().containerId().startsWith(containerId)))
                .toList();
        if (endpoints.isEmpty()) {
            throw new ValidationException("container '" + spec + "' has no endpoint (see 'jcalico container list')");
        }
        for (Versioned<WorkloadEndpoint> endpoint : endpoints) {
            if (!endpoint.resource().node().equals(node)) {
                throw new ValidationException("container '" + spec + "' is attached on node " + endpoint.resource().node()
                        + ", not " + node + ": run this on that host");
            }
        }
        Ipam ipam = new Ipam(store);
        VethAttacher veth = new VethAttacher(host);
        List<WorkloadEndpoint> removed = new ArrayList<>();
        for (Versioned<WorkloadEndpoint> endpoint : endpoints) {
            store.delete(endpoint.resource(), endpoint.revision());
            veth.detach(endpoint.resource().interfaceName());
            ipam.releaseHandle(endpoint.resource().endpointId());
            removed.add(endpoint.resource());
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (WorkloadEndpoint endpoint : removed) {
            while (statusOf(node, endpoint.endpointId()).isPresent() && System.nanoTime() < deadline) {
                sleep();
            }
        }
        return removed;
    }

    /** The agent's report on the endpoint, if it has made one. */
    public Optional<EndpointStatus> statusOf(String node, String endpointId) {
        return store.get(EndpointStatus.class, node, endpointId).map(Versioned::resource);
    }

    private void awaitProgrammed(String node, String endpointId, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<EndpointStatus> status = statusOf(node, endpointId);
            if (status.isPresent() && status.get().state() == EndpointStatus.State.programmed) {
                return;
            }
            if (status.isPresent() && status.get().state() == EndpointStatus.State.error) {
                throw new ValidationException("the agent on node " + node + " could not program the endpoint: "
                        + status.get().detail());
            }
            sleep();
        }
        throw new ValidationException("the agent on node " + node + " did not report the endpoint programmed within "
                + wait.toSeconds() + " s (is it running? see 'jcalico node status'); nothing was changed");
    }

    private List<String> createMissingProfiles(List<String> profiles, Deque<Runnable> undo) {
        ProfileService service = new ProfileService(store);
        List<String> created = new ArrayList<>();
        for (String name : profiles) {
            if (store.get(Profile.class, name).isEmpty()) {
                service.add(name);
                created.add(name);
                undo.push(() -> service.remove(name));
            }
        }
        return created;
    }

    private List<Cidr> allocate(String node, String endpointId, List<IpAddress> requested, Deque<Runnable> undo) {
        Ipam ipam = new Ipam(store);
        undo.push(() -> ipam.releaseHandle(endpointId));
        List<Cidr> nets = new ArrayList<>();
        if (requested.isEmpty()) {
            List<Integer> versions = new Pools(store).list().stream().filter(pool -> !pool.disabled())
                    .map(pool -> pool.cidr().version()).distinct().sorted().toList();
            if (versions.isEmpty()) {
                throw new ValidationException("no enabled IP pool to take an address from: add one with 'jcalico pool add CIDR'");
            }
            for (int version : versions) {
                nets.add(Cidr.host(ipam.autoAssign(node, version, endpointId)));
            }
        } else {
            if (requested.stream().distinct().count() < requested.size()) {
                throw new ValidationException("an address is given twice");
            }
            for (IpAddress address : requested) {
                ipam.assign(address, node, endpointId);
                nets.add(Cidr.host(address));
            }
        }
        return nets;
    }

    private String containerIdOf(String spec) {
        try {
            return resolver.resolve(spec).containerId();
        } catch (ValidationException | WorkloadException e) {
            // the container or its namespace is gone already: its endpoint is still known by the id it had
            return spec;
        }
    }

    private FelixConfiguration config(String node) {
        return FelixConfiguration.effective(
                store.get(FelixConfiguration.class, FelixConfiguration.GLOBAL).map(Versioned::resource).orElse(null),
                store.get(FelixConfiguration.class, FelixConfiguration.nodeName(node)).map(Versioned::resource).orElse(null));
    }

    private static void rollBack(Deque<Runnable> undo, RuntimeException cause) {
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private static IpAddress address(String text) {
        try {
            return IpAddress.parse(text);
        } catch (ValidationException e) {
            throw new ValidationException("address: " + e.getMessage());
        }
    }

    /** Stable for a container's interface on a node, so that a retried add finds the first one. */
    /** The host side's name: the interface prefix and as much of the endpoint id as fits in 15 characters. */
    public static String hostInterface(String prefix, String endpointId) {
        return prefix + endpointId.substring(0, 15 - prefix.length());
    }

    /** A hash of where the endpoint is: node, container and the container's interface. */
    public static String endpointId(String node, String containerId, String containerInterface) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((node + "/" + containerId + "/" + containerInterface).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
