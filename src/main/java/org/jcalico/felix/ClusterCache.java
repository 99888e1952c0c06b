package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Node;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The agent's copy of the parts of the datastore its calculation reads, kept by key. Owned by the agent's one
 * thread. Values that fail to decode are logged by the caller and left out rather than stopping the agent.
 */
final class ClusterCache {
    private static final List<String> RELEVANT = List.of(
            Keys.prefix(WorkloadEndpoint.class), Keys.prefix(Profile.class), Keys.prefix(IpPool.class),
            Keys.prefix(IpamBlock.class), Keys.prefix(FelixConfiguration.class), Keys.prefix(Node.class),
            Keys.prefix(BgpPeer.class), Keys.prefix(BgpConfiguration.class));
    private final Map<String, Resource> byKey = new HashMap<>();
    private final String node;

    ClusterCache(String node) {
        this.node = node;
    }

    static boolean isRelevant(String key) {
        return RELEVANT.stream().anyMatch(key::startsWith);
    }

    void replaceAll(List<KeyValue> items, List<String> problems) {
        byKey.clear();
        for (KeyValue item : items) {
            put(item.key(), item.value(), problems);
        }
    }

    /** Applies the events; true if any of them changed what the calculation reads. */
    boolean apply(List<WatchEvent> events, List<String> problems) {
        boolean changed = false;
        for (WatchEvent event : events) {
            if (!isRelevant(event.key())) {
                continue;
            }
            changed = true;
            if (event.type() == WatchEvent.Type.DELETE) {
                byKey.remove(event.key());
            } else {
                put(event.key(), event.value(), problems);
            }
        }
        return changed;
    }

    private void put(String key, String value, List<String> problems) {
        if (!isRelevant(key)) {
            return;
        }
        try {
            byKey.put(key, ResourceCodec.fromJson(value));
        } catch (ValidationException e) {
            byKey.remove(key);
            problems.add("ignoring unreadable " + key + ": " + e.getMessage());
        }
    }

    FelixConfiguration config() {
        FelixConfiguration global = null;
        FelixConfiguration own = null;
        for (Resource resource : byKey.values()) {
            if (resource instanceof FelixConfiguration config) {
                if (config.name().equals(FelixConfiguration.GLOBAL)) {
                    global = config;
                } else if (config.name().equals(FelixConfiguration.nodeName(node))) {
                    own = config;
                }
            }
        }
        return FelixConfiguration.effective(global, own);
    }

    Snapshot snapshot() {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        Map<String, Profile> profiles = new TreeMap<>();
        List<IpPool> pools = new ArrayList<>();
        List<IpamBlock> blocks = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        List<BgpPeer> peers = new ArrayList<>();
        BgpConfiguration bgp = BgpConfiguration.DEFAULTS;
        for (Resource resource : byKey.values()) {
            switch (resource) {
                case WorkloadEndpoint endpoint -> endpoints.add(endpoint);
                case Profile profile -> profiles.put(profile.name(), profile);
                case IpPool pool -> pools.add(pool);
                case IpamBlock block -> {
                    if (node.equals(block.affinity())) {
                        blocks.add(block);
                    }
                }
                case Node other -> nodes.add(other);
                case BgpPeer peer -> peers.add(peer);
                case BgpConfiguration configuration -> bgp = configuration;
                default -> { }
            }
        }
        return new Snapshot(node, config(), endpoints, profiles, pools, blocks, nodes, peers, bgp);
    }
}
