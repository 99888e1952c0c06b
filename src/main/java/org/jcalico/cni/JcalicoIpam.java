package org.jcalico.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Names;
import org.jcalico.util.Shown;

/**
 * jcalico-ipam, the IPAM plugin other plugins delegate to (jcalico-cni does the same allocation in-process): one
 * address per family from the configured pools (every enabled pool when none), held in jcalico's IPAM under the
 * handle {@code cni:NODE:NETWORK:CONTAINERID:IFNAME}, which `ipam show` prints and GC selects by. Addresses are host
 * addresses (/32, /128), as a routed network hands them out; a plugin that needs a subnet (bridge) wants host-local.
 */
public final class JcalicoIpam implements CniVerbs {
    private final ResourceStore store;
    private final String node;

    public JcalicoIpam(ResourceStore store, String node) {
        this.store = store;
        this.node = node;
    }

    @Override
    public void del(CniRequest request) {
        new Ipam(store).releaseHandle(handle(request.config().name(), request.containerId(), request.ifname()));
    }

    private String handle(String network, String containerId, String ifname) {
        return prefix(network) + containerId + ":" + ifname;
    }

    private String prefix(String network) {
        return "cni:" + node + ":" + network + ":";
    }

    @Override
    public ObjectNode add(CniRequest request) {
        String handle = handle(request.config().name(), request.containerId(), request.ifname());
        if (handle.length() > Names.MAX_TEXT) {
            // the request takes an ID of MAX_TEXT; stored with node, network and interface it must fit an allocation
            throw CniRequest.invalidEnvironment("CNI_CONTAINERID", request.containerId(), "at most "
                    + Math.max(0, Names.MAX_TEXT - (handle.length() - request.containerId().length())) + " characters long"
                    + " (jcalico-ipam's address handle, with node " + node + " and network " + request.config().name()
                    + ", takes " + Names.MAX_TEXT + ")");
        }
        if (!held(handle).isEmpty()) {
            throw new CniError(CniError.ATTACHMENT_FAILED, "cannot assign addresses",
                    "container " + Shown.value(request.containerId()) + " interface " + request.ifname()
                            + " holds addresses already (" + held(handle) + ")");
        }
        List<Cidr> pools = request.config().pools();
        List<Integer> versions = new Pools(store).list().stream().filter(pool -> !pool.disabled())
                .filter(pool -> pools.isEmpty() || pools.contains(pool.cidr()))
                .map(pool -> pool.cidr().version()).distinct().sorted().toList();
        if (versions.isEmpty()) {
            throw new CniError(CniError.ATTACHMENT_FAILED, "cannot assign addresses", pools.isEmpty()
                    ? "no enabled IP pool" : "none of the pools " + pools + " is an enabled IP pool");
        }
        Ipam ipam = new Ipam(store);
        List<CniResult.Ip> ips = new ArrayList<>();
        try {
            for (int version : versions) {
                IpAddress address = ipam.autoAssign(node, version, handle, pools);
                ips.add(new CniResult.Ip(address, address.bits(), null, null));
            }
        } catch (RuntimeException e) {
            releaseOwn(ipam, ips, e);
            throw Failures.of(e, "cannot assign addresses");
        }
        // The check above and these allocations are two steps: an ADD of this attachment at the same moment (a
        // runtime's retry) may have passed the check too. Each looks again after allocating, and the one that finds
        // addresses beside its own gives its own back: at most one of two succeeds, whatever the order.
        Set<IpAddress> others = held(handle);
        ips.forEach(ip -> others.remove(ip.address()));
        if (!others.isEmpty()) {
            CniError raced = new CniError(CniError.ATTACHMENT_FAILED, "cannot assign addresses", "container "
                    + request.containerId() + " interface " + request.ifname() + " was given " + others
                    + " by another ADD at the same moment");
            releaseOwn(ipam, ips, raced);
            throw raced;
        }
        return new CniResult(List.of(), ips, List.of(), request.config().dns()).render(request.cniVersion());
    }

    @Override
    public void check(CniRequest request) {
        Set<IpAddress> held = held(handle(request.config().name(), request.containerId(), request.ifname()));
        if (held.isEmpty()) {
            throw new CniError(CniError.NOT_AS_RECORDED, "the attachment is not as recorded", "container "
                    + request.containerId() + " interface " + request.ifname() + " holds no address");
        }
        if (request.config().prevResult() != null) {
            for (CniResult.Ip ip : CniResult.parse(request.config().prevResult()).ips()) {
                if (!held.contains(ip.address())) {
                    throw new CniError(CniError.NOT_AS_RECORDED, "the attachment is not as recorded", "address "
                            + ip.address() + " is not held for container " + request.containerId());
                }
            }
        }
    }

    @Override
    public void status(CniRequest request) {
        boolean free = new Pools(store).list().stream().filter(pool -> !pool.disabled())
                .anyMatch(pool -> request.config().pools().isEmpty() || request.config().pools().contains(pool.cidr()));
        if (!free) {
            throw new CniError(CniError.NOT_AVAILABLE, "jcalico-ipam is not available", "no enabled IP pool to assign from");
        }
    }

    /** Releases this node's and network's handles whose attachment the runtime no longer knows. */
    @Override
    public void gc(CniRequest request) {
        if (request.config().validAttachments() == null) {
            throw NetworkConfig.invalid("cni.dev/valid-attachments: missing (GC is given the attachments to keep)");
        }
        Set<String> keep = new HashSet<>();
        request.config().validAttachments().forEach(a -> keep.add(handle(request.config().name(), a.containerId(), a.ifname())));
        Set<String> stale = new TreeSet<>();
        for (Versioned<IpamBlock> block : store.list(IpamBlock.class)) {
            for (String handle : block.resource().allocations().values()) {
                if (handle.startsWith(prefix(request.config().name())) && !keep.contains(handle)) {
                    stale.add(handle);
                }
            }
        }
        Ipam ipam = new Ipam(store);
        stale.forEach(ipam::releaseHandle);
    }

    /**
     * Frees the addresses this ADD took, one by one: never the handle's all, which a concurrent ADD of the attachment
     * may hold too (the mistake issue #9 found in `container add`).
     */
    private void releaseOwn(Ipam ipam, List<CniResult.Ip> ips, RuntimeException failure) {
        for (CniResult.Ip ip : ips) {
            try {
                ipam.release(ip.address(), node);
            } catch (RuntimeException undo) {
                failure.addSuppressed(undo);
            }
        }
    }

    private Set<IpAddress> held(String handle) {
        return new Ipam(store).addressesOf(handle);
    }
}
