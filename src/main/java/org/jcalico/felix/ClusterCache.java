package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.TreeMap;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.Node;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.KubernetesNetworkPolicy;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.Tier;
import org.jcalico.policy.KubernetesPolicies;
import org.jcalico.util.Memo;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The agent's copy of the parts of the datastore its calculation reads, kept by kind and then by key, so that a
 * snapshot or the configuration reads only the kinds it needs: with 100,000 endpoints, scanning every resource on
 * every pass cost tens of milliseconds per change. Owned by the agent's one thread. Values that fail to decode are
 * logged by the caller and left out rather than stopping the agent.
 */
final class ClusterCache {
    private static final String[] RELEVANT = {
            Keys.prefix(WorkloadEndpoint.class), Keys.prefix(Profile.class), Keys.prefix(IpPool.class),
            Keys.prefix(IpamBlock.class), Keys.prefix(FelixConfiguration.class), Keys.prefix(Node.class),
            Keys.prefix(BgpPeer.class), Keys.prefix(BgpConfiguration.class), Keys.prefix(Tier.class),
            Keys.prefix(GlobalNetworkPolicy.class), Keys.prefix(NetworkPolicy.class), Keys.prefix(GlobalNetworkSet.class),
            Keys.prefix(NetworkSet.class), Keys.prefix(Namespace.class), Keys.prefix(KubernetesNetworkPolicy.class)};
    private static final String BLOCKS = Keys.prefix(IpamBlock.class);
    private final Map<Class<? extends Resource>, KeyedValues<Resource>> byKind = new HashMap<>();
    private final String node;
    /** Whether other nodes' endpoints are kept as {@link WorkloadEndpoint#elsewhere}: the agent's own cache. */
    private final boolean othersSlim;
    /** Translated once per stored policy object, so that an unchanged one stays the same object for the calc's memos. */
    private final Memo<KubernetesNetworkPolicy, NetworkPolicy> translated = Memo.byIdentity(KubernetesPolicies::toCalico);

    /**
     * A cache of everything the calculation of NODE reads, other nodes' endpoints whole: what a reading of the
     * cluster (explain, diagnostics, the UI) shows of them.
     */
    ClusterCache(String node) {
        this(node, false);
    }

    private ClusterCache(String node, boolean othersSlim) {
        this.node = node;
        this.othersSlim = othersSlim;
    }

    /**
     * The agent's cache: other nodes' endpoints without what its calculation never reads of them (their container
     * ids and interface names, 10 MB of heap with 100,000 endpoints; docs/agent.md, "Memory").
     */
    static ClusterCache ofAgent(String node) {
        return new ClusterCache(node, true);
    }

    static boolean isRelevant(String key) {
        // a loop over an array, not a stream: the agent's listing asks this of every key of the cluster
        for (String prefix : RELEVANT) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A value the cache keeps, decoded apart from the cache so that the agent's listing decodes each page while etcd
     * sends the next one; {@code problem} says why a value could not be read (then {@code resource} is null).
     */
    record Decoded(String key, Resource resource, String problem) {
    }

    /**
     * The value decoded as this cache keeps it (other nodes' endpoints already {@link WorkloadEndpoint#elsewhere} in
     * the agent's), or null when the calculation reads nothing under its key or the cache keeps nothing of it (another
     * node's IPAM block). Safe on any thread: the agent's listing threads call it page by page, so that what the cache
     * drops is garbage as soon as its page is decoded, instead of living until the whole listing is cached: with
     * 100,000 endpoints, their whole records and the other nodes' blocks with their allocations (docs/agent.md, "Memory").
     */
    Decoded decodeKept(String key, String value) {
        return kept(decode(key, value));
    }

    /** As {@link #decodeKept(String, String)}, the value read from its bytes where the store kept them (the listing). */
    Decoded decodeKept(KeyValue item) {
        return kept(isRelevant(item.key()) ? decoded(item.key(), () -> item.readValue(ResourceCodec::fromJson)) : null);
    }

    private Decoded kept(Decoded decoded) {
        if (decoded == null || decoded.resource() == null) {
            return decoded;
        }
        Resource kept = kept(decoded.resource());
        return kept == null ? null : kept == decoded.resource() ? decoded : new Decoded(decoded.key(), kept, null);
    }

    /** The value decoded whole, or null when the calculation reads nothing under its key. Safe on any thread. */
    static Decoded decode(String key, String value) {
        return isRelevant(key) ? decoded(key, () -> ResourceCodec.fromJson(value)) : null;
    }

    private static Decoded decoded(String key, Supplier<Resource> reader) {
        try {
            return new Decoded(key, reader.get(), null);
        } catch (RuntimeException e) {
            // a value no reader of ours expects must cost that value, not the agent
            return new Decoded(key, null, "ignoring unreadable " + key + ": " + e.getMessage());
        }
    }

    /** The cache holds the listing's items and nothing else (a listing has one item per key: none is removed first). */
    void replaceAll(List<Decoded> items, List<String> problems) {
        Part part = new Part();
        items.forEach(part::add);
        replaceWith(List.of(part), problems);
    }

    /**
     * The cache holds the parts' values and nothing else, each part's after the one before it (a listing's parts are
     * disjoint ranges of keys, in key order: the same tables as {@link #replaceAll} of their items one after another).
     * Called only with parts whose listing is whole. Returns how many values the cache holds.
     */
    int replaceWith(List<Part> parts, List<String> problems) {
        byKind.clear();
        Set<Class<? extends Resource>> kinds = new LinkedHashSet<>();
        parts.forEach(part -> kinds.addAll(part.byKind.keySet()));
        int held = 0;
        for (Class<? extends Resource> kind : kinds) {
            KeyedValues<Resource> joined = KeyedValues.joined(Keys::key, parts.stream()
                    .map(part -> part.byKind.get(kind)).filter(Objects::nonNull).toList());
            byKind.put(kind, joined);
            held += joined.size();
        }
        parts.forEach(part -> problems.addAll(part.problems));
        return held;
    }

    /**
     * One part of a listing in tables as the cache keeps them, filled on the part's own thread (Syncer) while the
     * store still sends the other parts: the loop, which did the same key by key once the whole listing was in, then
     * only joins the parts' tables ({@link #replaceWith}; docs/agent.md, "Start-up of the agent", session 35). The
     * key of each value dies with its page, where a listing's decoded items held 100,000 of them until it was cached.
     * Filled by one thread at a time, and read by another only once its listing is whole (handed over through the
     * listing's future).
     */
    final class Part {
        private final Map<Class<? extends Resource>, KeyedValues<Resource>> byKind = new HashMap<>();
        private final List<String> problems = new ArrayList<>();

        /** The value decoded as the cache keeps it ({@link #decodeKept(KeyValue)}), put in this part's tables. */
        void add(KeyValue item) {
            Decoded decoded = decodeKept(item);
            if (decoded != null) {
                add(decoded);
            }
        }

        void add(Decoded item) {
            ClusterCache.this.add(byKind, item, problems);
        }
    }

    /** Applies the events; true if any of them changed what the calculation reads. */
    boolean apply(List<WatchEvent> events, List<String> problems) {
        boolean changed = false;
        for (WatchEvent event : events) {
            if (!isRelevant(event.key())) {
                continue;
            }
            Decoded decoded = event.type() == WatchEvent.Type.DELETE ? null : decodeKept(event.key(), event.value());
            changed |= !event.key().startsWith(BLOCKS) || ownBlockChanged(event.key(), decoded);
            if (decoded == null) {
                remove(event.key());
            } else {
                put(decoded, problems);
            }
        }
        return changed;
    }

    /**
     * Whether a block's event changes what the calculation and BGP read of the blocks: the CIDRs of this node's blocks.
     * An address taken or released in a block (each `container add` and remove, on every node) changes only its
     * allocations: the agent need not calculate again for it (it did, and a pass that found nothing to do ran beside
     * the veth of the add that caused it). Anything but a readable block is a change.
     */
    private boolean ownBlockChanged(String key, Decoded decoded) {
        KeyedValues<Resource> blocks = byKind.get(IpamBlock.class);
        Resource before = blocks == null ? null : blocks.get(key);
        if (decoded != null && !(decoded.resource() instanceof IpamBlock)) {
            return true;
        }
        IpamBlock after = decoded == null ? null : (IpamBlock) decoded.resource();
        Cidr was = before instanceof IpamBlock block ? block.cidr() : null;
        Cidr is = after != null && node.equals(after.affinity()) ? after.cidr() : null;
        return !java.util.Objects.equals(was, is);
    }

    private void put(Decoded item, List<String> problems) {
        remove(item.key());
        add(byKind, item, problems);
    }

    /** Adds an item whose key no kind of BY_KIND holds. */
    private void add(Map<Class<? extends Resource>, KeyedValues<Resource>> byKind, Decoded item, List<String> problems) {
        if (item.resource() == null) {
            problems.add(item.problem());
            return;
        }
        Resource resource = kept(item.resource());
        if (resource == null) {
            return;
        }
        // a resource gives its key back (Keys.key), so the cache need not keep the key's text
        byKind.computeIfAbsent(resource.getClass(), kind -> new KeyedValues<>(Keys::key)).put(item.key(), resource);
    }

    /**
     * What this cache keeps of a resource: nothing of another node's IPAM block, and in the agent's, another node's
     * endpoint without what calc never reads.
     */
    private Resource kept(Resource resource) {
        if (resource instanceof IpamBlock block && !node.equals(block.affinity())) {
            // only this node's blocks are read (its routes); the other nodes' would be a tenth of the cache
            return null;
        }
        if (othersSlim && resource instanceof WorkloadEndpoint endpoint && endpoint.isWhole() && !node.equals(endpoint.node())) {
            return endpoint.elsewhere();
        }
        return resource;
    }

    /**
     * A key's value may decode to another kind than before (a hand-written value), so every kind's values are asked:
     * a dozen lookups per event, where an index of each key's kind cost a map entry for every endpoint of the cluster.
     */
    private void remove(String key) {
        byKind.values().forEach(values -> values.remove(key));
    }

    /** Every resource of the kind; each bucket holds only resources of its own class, so the cast is safe. */
    @SuppressWarnings("unchecked")
    private <T extends Resource> List<T> all(Class<T> kind) {
        KeyedValues<Resource> values = byKind.get(kind);
        return values == null ? List.of() : (List<T>) values.list();
    }

    FelixConfiguration config() {
        FelixConfiguration global = null;
        FelixConfiguration own = null;
        for (FelixConfiguration config : all(FelixConfiguration.class)) {
            if (config.name().equals(FelixConfiguration.GLOBAL)) {
                global = config;
            } else if (config.name().equals(FelixConfiguration.nodeName(node))) {
                own = config;
            }
        }
        return FelixConfiguration.effective(global, own);
    }

    Snapshot snapshot() {
        Map<String, Profile> profiles = new TreeMap<>();
        all(Profile.class).forEach(profile -> profiles.put(profile.name(), profile));
        List<IpamBlock> blocks = all(IpamBlock.class);
        List<BgpConfiguration> bgp = all(BgpConfiguration.class);
        // every kind that acts as a policy joins this list (a Kubernetes NetworkPolicy as the NetworkPolicy Calico makes of it)
        List<Policy> policies = new ArrayList<>(all(GlobalNetworkPolicy.class));
        policies.addAll(all(NetworkPolicy.class));
        translated.nextRound();
        all(KubernetesNetworkPolicy.class).forEach(policy -> policies.add(translated.get(policy)));
        List<LabelledNets> networkSets = new ArrayList<>(all(GlobalNetworkSet.class));
        networkSets.addAll(all(NetworkSet.class));
        Map<String, Namespace> namespaces = new TreeMap<>();
        all(Namespace.class).forEach(namespace -> namespaces.put(namespace.name(), namespace));
        return new Snapshot(node, config(), all(WorkloadEndpoint.class), profiles, all(IpPool.class), blocks,
                all(Node.class), all(BgpPeer.class), bgp.isEmpty() ? BgpConfiguration.DEFAULTS : bgp.get(bgp.size() - 1),
                all(Tier.class), policies, networkSets, namespaces);
    }
}
