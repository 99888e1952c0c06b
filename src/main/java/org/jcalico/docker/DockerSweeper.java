package org.jcalico.docker;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.ConfiguredInterval;
import org.jcalico.workload.DockerClient;

/**
 * Keeps the node's docker endpoints and addresses consistent with dockerd's own view (docs/docker.md): an endpoint
 * whose docker endpoint is in none of dockerd's jcalico networks is detached, an address docker's IPAM holds that
 * nothing uses is released, and an endpoint still isolated until its container's labels are known gets them. A
 * dockerd that does not answer proves nothing, so then nothing is touched. A `docker run` under way looks like an
 * orphan until dockerd records its endpoint, so a periodic pass removes only what the
 * previous pass found orphaned already; the pass at agent start, before the plugin serves, has nothing under way.
 */
public final class DockerSweeper {
    private final ResourceStore store;
    private final String node;
    private final DockerClient docker;
    private final NetworkDriver network;
    private final Log log;
    private Set<String> suspects = Set.of();
    private boolean dockerdAnswered = true;
    /** When the last pass began (System.currentTimeMillis). */
    private volatile long swept;

    /** What one pass removed: docker endpoint ids, and addresses. */
    public record Swept(List<String> endpoints, List<IpAddress> addresses) {
    }

    public DockerSweeper(ResourceStore store, String node, DockerClient docker, NetworkDriver network, Log log) {
        this.store = store;
        this.node = node;
        this.docker = docker;
        this.network = network;
        this.log = log;
    }

    /**
     * Sweeps on a daemon thread of its own at every resync interval after the first pass, in the interval configured
     * now (INTERVAL, as the agent follows it): shortened, the next pass comes at once, not after the old interval.
     */
    public void start(ConfiguredInterval interval) {
        Thread.ofPlatform().daemon().name("docker-sweeper").start(() -> sweepEvery(interval));
    }

    private void sweepEvery(ConfiguredInterval interval) {
        while (true) {
            try {
                interval.awaitRoundAfter(swept);
                sweep(false);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("could not compare node " + node + "'s docker endpoints with dockerd's: " + e.getMessage()
                        + "; trying again at the next resync");
            }
        }
    }

    /** One pass; {@code now}: remove orphans at once (nothing can be under way), else only those found last time. */
    public synchronized Swept sweep(boolean now) {
        swept = System.currentTimeMillis();
        if (!docker.answers()) {
            if (dockerdAnswered) {
                log.info("dockerd at " + docker.socket() + " does not answer: docker endpoints left as they are");
            }
            dockerdAnswered = false;
            suspects = Set.of();
            return new Swept(List.of(), List.of());
        }
        dockerdAnswered = true;
        // what dockerd released is not orphaned but on its way out
        network.awaitReleases();
        List<DockerClient.NetworkEndpoint> known = docker.endpoints(PluginSpecs.NETWORK_DRIVER);
        Set<String> knownIds = new HashSet<>();
        Set<IpAddress> used = new HashSet<>();
        for (DockerClient.NetworkEndpoint endpoint : known) {
            knownIds.add(endpoint.endpointId());
            for (String address : List.of(endpoint.ipv4Address(), endpoint.ipv6Address())) {
                if (!address.isEmpty()) {
                    used.add(IpAddress.parse(address.replaceAll("/.*", "")));
                }
            }
        }
        Set<String> orphans = new HashSet<>();
        List<String> detached = new java.util.ArrayList<>();
        // an endpoint record nobody can read stops no other's sweep; the addresses it may hold stay (Ipam.release)
        for (WorkloadEndpoint endpoint : store.survey(WorkloadEndpoint.class).resources()) {
            endpoint.nets().forEach(net -> used.add(net.network()));
            if (!endpoint.node().equals(node) || !endpoint.orchestrator().equals(NetworkDriver.ORCHESTRATOR)) {
                continue;
            }
            if (knownIds.contains(endpoint.containerId())) {
                if (NetworkDriver.AWAITING_LABELS.equals(endpoint.state())) {
                    labelIsolated(known, endpoint);
                }
                continue;
            }
            String key = "endpoint " + endpoint.containerId();
            if (now || suspects.contains(key)) {
                network.detach(endpoint.containerId());
                detached.add(endpoint.containerId());
                log.warn("detached docker endpoint " + endpoint.containerId() + " (" + endpoint.interfaceName() + ", "
                        + endpoint.nets() + "): dockerd no longer has it");
            } else {
                orphans.add(key);
            }
        }
        List<IpAddress> released = new java.util.ArrayList<>();
        for (var held : heldByDocker().entrySet()) {
            IpAddress address = held.getKey();
            if (used.contains(address)) {
                continue;
            }
            // with its block's revision: an address released and taken again meanwhile is another allocation
            String key = "address " + address + " @" + held.getValue();
            if (now || suspects.contains(key)) {
                try {
                    new Ipam(store).release(address);
                    released.add(address);
                    log.warn("released address " + address + " of docker's IPAM: no endpoint in dockerd or jcalico uses it");
                } catch (ValidationException e) {
                    // taken into use meanwhile: it is no orphan
                }
            } else {
                orphans.add(key);
            }
        }
        suspects = orphans;
        return new Swept(detached, released);
    }

    /**
     * The labels of an endpoint isolated until they are known, whose copy after Join did not finish (the agent
     * restarted meanwhile, dockerd did not answer then): copied now if dockerd names its container, else left
     * isolated for the next pass. A failure is this endpoint's alone.
     */
    private void labelIsolated(List<DockerClient.NetworkEndpoint> known, WorkloadEndpoint endpoint) {
        try {
            if (network.labelFrom(known, endpoint.containerId())) {
                log.info("docker endpoint " + endpoint.containerId() + " (" + endpoint.interfaceName()
                        + "): its container's labels copied, isolated no more");
            }
        } catch (RuntimeException e) {
            log.warn("docker endpoint " + endpoint.containerId() + ": its container's labels are still not copied ("
                    + e.getMessage() + "); it stays isolated");
        }
    }

    /** Docker's addresses on this node, each with the revision of its block as read. */
    private java.util.Map<IpAddress, Long> heldByDocker() {
        String handle = IpamDriver.handle(node);
        java.util.Map<IpAddress, Long> held = new java.util.LinkedHashMap<>();
        for (Versioned<IpamBlock> block : store.list(IpamBlock.class)) {
            Cidr cidr = block.resource().cidr();
            block.resource().allocations().forEach((offset, holder) -> {
                if (holder.equals(handle)) {
                    held.put(cidr.addressAt(BigInteger.valueOf(offset)), block.revision());
                }
            });
        }
        return held;
    }
}
