package org.jcalico.bgp;

import java.util.List;
import java.util.Optional;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;

/** The cluster's BGP configuration and peers, as the agents' BIRD configurations read them. */
public final class BgpSettings {
    private final ResourceStore store;

    public BgpSettings(ResourceStore store) {
        this.store = store;
    }

    public BgpConfiguration current() {
        return stored().map(Versioned::resource).orElse(BgpConfiguration.DEFAULTS);
    }

    public BgpConfiguration setMesh(boolean on) {
        BgpConfiguration current = current();
        return save(new BgpConfiguration(current.name(), current.defaultAs(), on, current.importLimit()));
    }

    public BgpConfiguration setDefaultAs(long asNumber) {
        BgpConfiguration current = current();
        return save(new BgpConfiguration(current.name(), asNumber, current.nodeToNodeMesh(), current.importLimit()));
    }

    public BgpConfiguration setImportLimit(long limit) {
        BgpConfiguration current = current();
        return save(new BgpConfiguration(current.name(), current.defaultAs(), current.nodeToNodeMesh(), limit));
    }

    public List<BgpPeer> peers() {
        return store.list(BgpPeer.class).stream().map(Versioned::resource).toList();
    }

    public void addPeer(BgpPeer peer) {
        if (peer.node() != null && store.get(Node.class, peer.node()).isEmpty()) {
            throw ValidationException.field("node", peer.node(), "is not a known node");
        }
        if (store.get(BgpPeer.class, peer.name()).isPresent()) {
            throw new ValidationException("BGP peer " + peer.name() + " already exists");
        }
        store.create(peer);
    }

    public void removePeer(IpAddress address, String node) {
        String name = node == null ? address.toString() : node + "/" + address;
        Versioned<BgpPeer> peer = store.get(BgpPeer.class, name)
                .orElseThrow(() -> new ValidationException("BGP peer " + name + " does not exist"));
        store.delete(peer.resource(), peer.revision());
    }

    private Optional<Versioned<BgpConfiguration>> stored() {
        return store.get(BgpConfiguration.class, BgpConfiguration.DEFAULT_NAME);
    }

    private BgpConfiguration save(BgpConfiguration config) {
        Optional<Versioned<BgpConfiguration>> existing = stored();
        if (existing.isEmpty()) {
            store.create(config);
        } else {
            store.update(config, existing.get().revision());
        }
        return config;
    }
}
