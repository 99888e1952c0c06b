package org.jcalico.docker;

import java.util.List;
import java.util.Map;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.datastore.Keys;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;

/**
 * jcalico-ipam: docker's IPAM calls on jcalico's IPAM. An address docker asks for is allocated at once, on this
 * node's blocks, under the handle {@link #handle(String)}: docker asks before it creates the endpoint, so no
 * endpoint id exists yet. The address stays that handle's until docker releases it (after the endpoint is gone),
 * and the endpoint record is written only while the address is still held so (see ContainerService).
 */
public final class IpamDriver {
    private static final String GATEWAY_REQUEST = "com.docker.network.gateway";
    private final ResourceStore store;
    private final String node;
    private final NetworkDriver network;

    /** @param network detaches an endpoint whose address docker releases while jcalico still has it */
    public IpamDriver(ResourceStore store, String node, NetworkDriver network) {
        this.store = store;
        this.node = node;
        this.network = network;
    }

    /** The handle of every address docker's IPAM holds on the node. */
    public static String handle(String node) {
        return "docker." + node;
    }

    public Protocol.PoolAnswer requestPool(Protocol.RequestPool request) {
        DockerPools pool = DockerPools.choose(request.pool(), request.subPool(), request.options(), request.v6(),
                new Pools(store).list());
        return new Protocol.PoolAnswer(pool.id(), pool.subnet(), Map.of());
    }

    public Protocol.AddressAnswer requestAddress(Protocol.RequestAddress request) {
        DockerPools pool = DockerPools.parse(request.poolId());
        Map<String, String> options = request.options() == null ? Map.of() : request.options();
        boolean given = request.address() != null && !request.address().isEmpty();
        if (GATEWAY_REQUEST.equals(options.get("RequestAddressType"))) {
            if (given) {
                throw new ValidationException("--gateway " + Shown.value(request.address()) + " is not supported: every jcalico container's"
                        + " gateway is " + DockerPools.gateway(pool.version()).replaceAll("/.*", ""));
            }
            return new Protocol.AddressAnswer(DockerPools.gateway(pool.version()), Map.of());
        }
        // an address whose release dockerd was answered is free again before this allocates
        network.awaitReleases();
        Ipam ipam = new Ipam(store);
        IpAddress address;
        if (given) {
            address = IpAddress.parse(request.address());
            if (pool.pool() != null && !pool.pool().contains(address)) {
                throw new ValidationException("address " + address + " is not in the network's subnet " + pool.pool());
            }
            ipam.assign(address, node, handle(node));
        } else {
            address = ipam.autoAssign(node, pool.version(), handle(node), pool.pool() == null ? List.of() : List.of(pool.pool()));
        }
        return new Protocol.AddressAnswer(Cidr.host(address).toString(), Map.of());
    }

    /**
     * Frees the address if docker's IPAM on this node still holds it; anything else is not docker's to free. Docker
     * releasing an address says that its endpoint is gone on docker's side, even when DeleteEndpoint never reached
     * jcalico (a dockerd restarted after a crash releases its dead containers' addresses without calling the driver):
     * the endpoint that still uses it is detached first. Done after the answer, behind the DeleteEndpoint that came
     * before it ({@link ReleaseQueue}): until then the address stays held, so nobody else can take it.
     */
    public void releaseAddress(Protocol.ReleaseAddress request) {
        String text = request.address() == null ? "" : request.address().replaceAll("/.*", "");
        IpAddress address = IpAddress.parseOrNull(text);
        if (address == null || DockerPools.gateway(address.version()).startsWith(text + "/")) {
            return;
        }
        network.releaseLater("ReleaseAddress of " + address, () -> release(address));
    }

    private void release(IpAddress address) {
        Ipam ipam = new Ipam(store);
        if (!ipam.addressesOf(handle(node)).contains(address)) {
            return;
        }
        Cidr host = Cidr.host(address);
        network.releasing(host);
        store.survey(WorkloadEndpoint.class, Keys.nodePrefix(WorkloadEndpoint.class, node)).resources().stream()
                .filter(endpoint -> endpoint.orchestrator().equals(NetworkDriver.ORCHESTRATOR) && endpoint.nets().contains(host))
                .forEach(endpoint -> network.detach(endpoint.containerId()));
        // only this node's endpoints use docker's addresses of this node
        ipam.release(address, node);
    }
}
