package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.ipam.NodeAddressesOutsidePools;
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
import org.jcalico.datastore.ResourceStore;
import org.jcalico.felix.calc.UnreadableRecord;
import org.jcalico.policy.KubernetesPolicies;
import org.jcalico.util.Shown;
import org.jcalico.util.Memo;
import org.jcalico.model.Resource;
import org.jcalico.model.StoredForm;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The agent's copy of the parts of the datastore its calculation reads, kept by kind and then by key, so that a
 * snapshot or the configuration reads only the kinds it needs: with 100,000 endpoints, scanning every resource on
 * every pass cost tens of milliseconds per change. Owned by the agent's one thread.
 *
 * <p>A value it cannot read (one that does not decode, or a record of another kind than its key's) costs that key, not
 * the agent, and never opens what the key held: the last readable value under the key stays in force, and a policy's
 * key with none makes calc keep the endpoints it could apply to dropped ({@link UnreadableRecord}). Such keys are
 * kept with why until a readable value or a delete comes, for the status to name them (docs/datastore.md, "Session 48
 * (a-rec)"). Until session 48 such a value was logged and left out: a Deny overwritten with one was gone.
 */
final class ClusterCache {
    private static final List<Class<? extends Resource>> KINDS = List.of(
            WorkloadEndpoint.class, Profile.class, IpPool.class, IpamBlock.class, FelixConfiguration.class, Node.class,
            BgpPeer.class, BgpConfiguration.class, Tier.class, GlobalNetworkPolicy.class, NetworkPolicy.class,
            GlobalNetworkSet.class, NetworkSet.class, Namespace.class, KubernetesNetworkPolicy.class);
    /** The key space of each of {@link #KINDS}, in its order. */
    private static final String[] RELEVANT = KINDS.stream().map(Keys::prefix).toArray(String[]::new);
    /** Key spaces of policies, of which a key not read means a rule not known (the namespaced ones first). */
    private static final List<String> NAMESPACED_POLICIES = List.of(Keys.prefix(NetworkPolicy.class),
            Keys.prefix(KubernetesNetworkPolicy.class));
    private static final String GLOBAL_POLICIES = Keys.prefix(GlobalNetworkPolicy.class);
    private static final String NAMESPACES = Keys.prefix(Namespace.class);
    /** Key spaces of what a rule's peers are made of: a key not read means a peer whose labels, nets or tags are unknown. */
    private static final List<String> PEERS = List.of(Keys.prefix(WorkloadEndpoint.class),
            Keys.prefix(GlobalNetworkSet.class), Keys.prefix(NetworkSet.class), Keys.prefix(Profile.class));
    private static final String BLOCKS = Keys.prefix(IpamBlock.class);
    /** The kinds whose records claim addresses (AddressClaims). */
    private static final List<Class<? extends Resource>> CLAIMANTS = List.of(WorkloadEndpoint.class, Node.class);
    private final Map<Class<? extends Resource>, KeyedValues<Resource>> byKind = new HashMap<>();
    /** The keys whose latest value cannot be read, with why, in key order. */
    private final Map<String, String> unreadable = new TreeMap<>();
    private final String node;
    /** Whether other nodes' endpoints are kept as {@link WorkloadEndpoint#elsewhere}: the agent's own cache. */
    private final boolean othersSlim;
    /** Translated once per stored policy object, so that an unchanged one stays the same object for the calc's memos. */
    private final Memo<KubernetesNetworkPolicy, NetworkPolicy> translated = Memo.byIdentity(KubernetesPolicies::toCalico);
    /** The addresses of the endpoints and nodes held, and which of them more than one claims. */
    private final AddressClaims claims = new AddressClaims();
    /** The addresses of this node's blocks lent to other nodes' endpoints, for BGP's import filter. */
    private final LentAddresses lent;
    /**
     * The revision after which a record of another node's endpoint makes its addresses {@link #newHolders}: the one
     * through which the node's agents took every change to the kernel; Long.MAX_VALUE: none is collected (a cache not
     * an agent's, or one whose first pass took them). Read by the listing's threads.
     */
    private volatile long holdersAfter = Long.MAX_VALUE;
    /** The single addresses of other nodes' endpoints written after {@link #holdersAfter}: the listing's and since. */
    private final Set<IpAddress> newHolders = new HashSet<>();

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
        this.lent = new LentAddresses(node, claims);
    }

    /**
     * The agent's cache: other nodes' endpoints without what its calculation never reads of them (their container
     * ids and interface names, 10 MB of heap with 100,000 endpoints; docs/agent.md, "Memory").
     */
    static ClusterCache ofAgent(String node) {
        return new ClusterCache(node, true);
    }

    static boolean isRelevant(String key) {
        return kindAt(key) != null;
    }

    /** The kind whose key space holds KEY, or null where the calculation reads nothing under it. */
    private static Class<? extends Resource> kindAt(String key) {
        // a loop over an array, not a stream: the agent's listing asks this of every key of the cluster
        for (int i = 0; i < RELEVANT.length; i++) {
            if (key.startsWith(RELEVANT[i])) {
                return KINDS.get(i);
            }
        }
        return null;
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
        return kept(isRelevant(item.key()) ? decoded(item.key(), () -> item.readValue(StoredForm::fromJson)) : null);
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
        return isRelevant(key) ? decoded(key, () -> StoredForm.fromJson(value)) : null;
    }

    private static Decoded decoded(String key, Supplier<Resource> reader) {
        Resource resource;
        try {
            resource = reader.get();
        } catch (RuntimeException e) {
            // a value no reader of ours expects must cost that value, not the agent
            return new Decoded(key, null, "datastore record " + Shown.message(key) + " cannot be read: "
                    + Shown.message(String.valueOf(e.getMessage())));
        }
        Class<? extends Resource> kind = kindAt(key);
        if (resource.getClass() != kind) {
            // another kind under a policy's key must not make the policy vanish, nor pass as what it holds
            return new Decoded(key, null, ResourceStore.wrongKind(Shown.message(key), resource, kind));
        }
        return new Decoded(key, resource, null);
    }

    /**
     * From now until {@link #takeNewHolders}, the addresses of the records of other nodes' endpoints written after
     * APPLIED are collected (a listing's as it is read, one comparison a record; then the events'): call before the
     * listing. Nothing when APPLIED is 0 (every holder counts as new: NewHolders, none collected).
     */
    void collectNewHoldersAfter(long applied) {
        holdersAfter = applied == 0 ? Long.MAX_VALUE : applied;
    }

    /** The addresses collected since {@link #collectNewHoldersAfter}; collects no more. */
    Set<IpAddress> takeNewHolders() {
        holdersAfter = Long.MAX_VALUE;
        Set<IpAddress> taken = Set.copyOf(newHolders);
        newHolders.clear();
        return taken;
    }

    /** Adds the single addresses of RESOURCE to HOLDERS when it is another node's endpoint written after holdersAfter. */
    private void newHolder(Resource resource, long revision, Set<IpAddress> holders) {
        if (revision > holdersAfter && resource instanceof WorkloadEndpoint endpoint && !endpoint.node().equals(node)) {
            for (Cidr net : endpoint.nets()) {
                if (net.isHost()) {
                    holders.add(net.network());
                }
            }
        }
    }

    /**
     * The cache holds the listing's items and nothing else (a listing has one item per key: none is removed first),
     * but for the last readable value of a key the listing could not read.
     */
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
        Map<String, String> listedUnreadable = new TreeMap<>();
        parts.forEach(part -> listedUnreadable.putAll(part.unreadable));
        Map<String, Resource> lastReadable = new HashMap<>();
        listedUnreadable.keySet().forEach(key -> {
            Resource last = held(key);
            if (last != null) {
                lastReadable.put(key, last);
            }
        });
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
        lastReadable.forEach(this::hold);
        claims.clear();
        for (Class<? extends Resource> kind : CLAIMANTS) {
            KeyedValues<Resource> values = byKind.get(kind);
            if (values != null) {
                values.forEachKept(claims::add);
            }
        }
        lent.clear();
        all(IpamBlock.class).forEach(lent::blockHeld);
        newHolders.clear();
        parts.forEach(part -> newHolders.addAll(part.newHolders));
        // a key the agent already named for the same reason is not named again at each listing (one line per key
        // until its value changes, however often the agent lists: the status names them all meanwhile)
        Map<String, String> named = new HashMap<>(unreadable);
        unreadable.clear();
        unreadable.putAll(listedUnreadable);
        listedUnreadable.forEach((key, problem) -> {
            if (!problem.equals(named.get(key))) {
                problems.add(problem + followUp(key));
            }
        });
        return held + lastReadable.size();
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
        private final Map<String, String> unreadable = new HashMap<>();
        private final Set<IpAddress> newHolders = new HashSet<>();

        /** The value decoded as the cache keeps it ({@link #decodeKept(KeyValue)}), put in this part's tables. */
        void add(KeyValue item) {
            Decoded decoded = decodeKept(item);
            if (decoded != null) {
                add(decoded);
                newHolder(decoded.resource(), item.modRevision(), newHolders);
            }
        }

        void add(Decoded item) {
            if (item.resource() == null) {
                unreadable.put(item.key(), item.problem());
            } else {
                ClusterCache.this.add(byKind, item);
            }
        }
    }

    /** Applies the events; true if any of them changed what the calculation or BIRD's import filter reads. */
    boolean apply(List<WatchEvent> events, List<String> problems) {
        boolean changed = false;
        List<Cidr> lentBefore = null;
        for (WatchEvent event : events) {
            if (!isRelevant(event.key())) {
                continue;
            }
            Decoded decoded = event.type() == WatchEvent.Type.DELETE ? null : decodeKept(event.key(), event.value());
            if (decoded != null && decoded.resource() == null) {
                // what was read under the key stays: a Deny overwritten with something unreadable must not vanish
                unreadable.put(event.key(), decoded.problem());
                problems.add(decoded.problem() + followUp(event.key()));
                changed = true;
                continue;
            }
            // what is lent, before the batch's first event of this node's blocks: only they lend (another node's block
            // is not kept), and a batch that already makes a pass need not compare
            if (lentBefore == null && !changed && event.key().startsWith(BLOCKS) && ownBlock(event.key(), decoded)) {
                lentBefore = lent.routes();
            }
            changed |= unreadable.remove(event.key()) != null;
            changed |= !event.key().startsWith(BLOCKS) || ownBlockChanged(event.key(), decoded);
            if (decoded == null) {
                remove(event.key());
            } else {
                put(decoded);
                newHolder(decoded.resource(), event.revision(), newHolders);
            }
        }
        // an allocation alone changes nothing calc reads, but it lends an address of this node's block that another
        // node's endpoint already claims (its record written first) or takes one back (released while that endpoint
        // stays): BIRD's import filter must follow now, not at the next pass some other write or the resync makes
        return changed || lentBefore != null && !lentBefore.equals(lent.routes());
    }

    /**
     * Whether a block's event changes what the calculation and BGP read of the blocks: the CIDRs of this node's blocks.
     * An address taken or released in a block (each `container add` and remove, on every node) changes only the
     * block's allocations, which the calculation does not read, so it makes no pass of its own (one that did found
     * nothing to do, beside the veth of the add that caused it); apply makes one when it changes what this node lends.
     * Anything but a readable block is a change.
     */
    private boolean ownBlockChanged(String key, Decoded decoded) {
        if (decoded != null && !(decoded.resource() instanceof IpamBlock)) {
            return true;
        }
        IpamBlock after = decoded == null ? null : (IpamBlock) decoded.resource();
        Cidr was = heldBlock(key) instanceof IpamBlock block ? block.cidr() : null;
        Cidr is = after != null && node.equals(after.affinity()) ? after.cidr() : null;
        return !java.util.Objects.equals(was, is);
    }

    /** Whether KEY's event (DECODED, null for a delete) concerns one of this node's blocks: the one held or the one it brings. */
    private boolean ownBlock(String key, Decoded decoded) {
        return heldBlock(key) != null
                || decoded != null && decoded.resource() instanceof IpamBlock block && node.equals(block.affinity());
    }

    /** The block held under KEY (only this node's are held), or null. */
    private Resource heldBlock(String key) {
        KeyedValues<Resource> blocks = byKind.get(IpamBlock.class);
        return blocks == null ? null : blocks.get(key);
    }

    private void put(Decoded item) {
        remove(item.key());
        Resource held = add(byKind, item);
        if (held != null) {
            claims.add(held, item.key().equals(Keys.key(held)) ? null : item.key());
            changedLent(held, true);
        }
    }

    /** The lent addresses a held record (a block, an endpoint) coming or going may change. */
    private void changedLent(Resource resource, boolean held) {
        if (resource instanceof IpamBlock block) {
            if (held) {
                lent.blockHeld(block);
            } else {
                lent.blockGone(block);
            }
        } else if (resource instanceof WorkloadEndpoint endpoint) {
            lent.endpointChanged(endpoint);
        }
    }

    /** Adds a readable item whose key no kind of BY_KIND holds; returns what is kept of it (null: nothing). */
    private Resource add(Map<Class<? extends Resource>, KeyedValues<Resource>> byKind, Decoded item) {
        Resource resource = kept(item.resource());
        if (resource == null) {
            return null;
        }
        // a resource gives its key back (Keys.key), so the cache need not keep the key's text
        byKind.computeIfAbsent(resource.getClass(), kind -> new KeyedValues<>(Keys::key)).put(item.key(), resource);
        return resource;
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

    /** Puts a value the cache held before under KEY, of a kind no other value under KEY is. */
    private void hold(String key, Resource resource) {
        byKind.computeIfAbsent(resource.getClass(), kind -> new KeyedValues<>(Keys::key)).put(key, resource);
    }

    /** The value held under KEY, of whichever kind, or null. */
    private Resource held(String key) {
        for (KeyedValues<Resource> values : byKind.values()) {
            Resource resource = values.get(key);
            if (resource != null) {
                return resource;
            }
        }
        return null;
    }

    /** What the agent does about the unreadable value under KEY, for its log. */
    private String followUp(String key) {
        return held(key) != null ? "; its last readable value stays in force"
                : unreadableRecord(key, "") != null ? "; the local endpoints whose policy it could change are dropped"
                : "; left out";
    }

    /**
     * The keys whose latest value cannot be read, for the agent's status: one line, bounded however many there are
     * (Shown), with the first one's reason; null when there are none.
     */
    String unreadableProblem() {
        if (unreadable.isEmpty()) {
            return null;
        }
        Map.Entry<String, String> first = unreadable.entrySet().iterator().next();
        return unreadable.size() + " datastore record(s) cannot be read, the last readable value of each kept in force"
                + " and the endpoints whose policy an unread one could change dropped: " + Shown.names(unreadable.keySet())
                + " (the first: " + Shown.message(first.getValue()) + ")";
    }

    /**
     * What calc must assume of the unreadable value under KEY (PROBLEM: why) of which no earlier value is held, by the
     * kind its key space says: null for a kind that no policy depends on (left out), or one that is held.
     */
    private UnreadableRecord unreadableRecord(String key, String problem) {
        if (held(key) != null) {
            return null;
        }
        if (key.startsWith(GLOBAL_POLICIES)) {
            return UnreadableRecord.policy(key, null, problem);
        }
        for (String prefix : NAMESPACED_POLICIES) {
            if (key.startsWith(prefix)) {
                int slash = key.indexOf('/', prefix.length());
                return UnreadableRecord.policy(key, slash < 0 ? null : key.substring(prefix.length(), slash), problem);
            }
        }
        if (key.startsWith(NAMESPACES)) {
            return new UnreadableRecord(key, UnreadableRecord.Reach.NAMESPACE, key.substring(NAMESPACES.length()), problem);
        }
        return PEERS.stream().anyMatch(key::startsWith)
                ? new UnreadableRecord(key, UnreadableRecord.Reach.PEERS, null, problem) : null;
    }

    /**
     * The addresses more than one endpoint or node record claims, for the agent's status: one line, bounded however
     * many there are (Shown), naming each pair; null when there are none.
     */
    String claimProblem() {
        return claims.problem();
    }

    /**
     * The pools that cover a node's address (a store written before jcalico refused them), for the agent's status: one
     * line, bounded however many there are; null when there are none.
     */
    String poolProblem() {
        List<String> found = NodeAddressesOutsidePools.violations(all(IpPool.class), all(Node.class));
        return found.isEmpty() ? null : "a pool covers a node's address (" + NodeAddressesOutsidePools.WHY + "; change the pool or"
                + " the node): " + Shown.names(found);
    }

    /** What calc must assume of the records it cannot read (unreadableRecord), and of the addresses claimed twice. */
    private List<UnreadableRecord> unreadableRecords() {
        if (unreadable.isEmpty()) {
            return claims.records();
        }
        List<UnreadableRecord> records = new ArrayList<>(claims.records());
        unreadable.forEach((key, problem) -> {
            UnreadableRecord record = unreadableRecord(key, problem);
            if (record != null) {
                records.add(record);
            }
        });
        return records;
    }

    /**
     * A key's value may decode to another kind than before (a hand-written value), so every kind's values are asked:
     * a dozen lookups per event, where an index of each key's kind cost a map entry for every endpoint of the cluster.
     */
    private void remove(String key) {
        for (Class<? extends Resource> kind : CLAIMANTS) {
            KeyedValues<Resource> values = byKind.get(kind);
            Resource held = values == null ? null : values.get(key);
            if (held != null) {
                claims.remove(key, held);
                changedLent(held, false);
            }
        }
        KeyedValues<Resource> blocks = byKind.get(IpamBlock.class);
        Resource block = blocks == null ? null : blocks.get(key);
        if (block != null) {
            changedLent(block, false);
        }
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

    /**
     * The host routes of the addresses of this node's blocks lent to other nodes' endpoints (LentAddresses), for BGP's
     * import filter: worked out again only for the blocks that changed since the last call.
     */
    List<Cidr> lentRoutes() {
        return lent.routes();
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
                all(Tier.class), policies, networkSets, namespaces, null, unreadableRecords());
    }
}
