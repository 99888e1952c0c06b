package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;
import org.jcalico.policy.EndpointLabels;
import org.jcalico.util.Ipv4Member;

/**
 * The members of the selector ipsets that local rules match (a {@link SetKey} each), for every endpoint and network
 * set of the cluster, kept between calculations as Felix's label index keeps them: with 100,000 endpoints, matching
 * every selector against every endpoint on every change would be most of the agent's work.
 * <p>
 * Endpoints and network sets ("items") are known by identity: the agent's cache keeps a resource's object until it
 * changes, so a changed one is one gone and one come. Items with equal effective labels share a group, and a selector
 * is matched once per group: when the group first appears, or when the selector first appears (against every group).
 * An item is labelled again only when it is new or when its namespace's labels or one of its profiles' labelsToApply
 * changed. Each set counts how many items contribute each member (two endpoints may share an address); a set nobody
 * added to or removed from is handed out again as the same object, which lets the ipset driver skip it.
 */
public final class SelectorSets {
    private Map<String, Namespace> namespaces = Map.of();
    private Map<String, Profile> profiles = Map.of();
    /** Made again for the first items (sized for them: see {@link #update}), then kept. */
    private Map<Object, Item> items = new IdentityHashMap<>();
    /**
     * Groups by namespace, to relabel a namespace's items when its labels change: a group's labels name its
     * namespace, and there are far fewer groups than items (an index of items had an entry per endpoint).
     */
    private final Map<String, Set<Group>> byNamespace = new HashMap<>();
    private final Map<String, Set<Item>> byProfile = new HashMap<>();
    private final Map<Map<String, String>, Group> groups = new HashMap<>();
    private final Map<Selector, Matches> selectors = new HashMap<>();
    /** The selectors in use by the label keys they read. */
    private final Map<String, Set<Selector>> selectorsByKey = new HashMap<>();
    /**
     * Groups by their value of a label key, for each key that a selector in use tests for a value or presence: a new
     * selector is matched only against the groups that can match it, not against every endpoint of the cluster.
     */
    private final Map<String, Map<String, Set<Group>>> byLabel = new HashMap<>();
    private final Map<SetKey, CountedMembers> sets = new HashMap<>();
    private List<WorkloadEndpoint> lastEndpoints = List.of();
    private List<LabelledNets> lastNetworkSets = List.of();
    /** The endpoints' comparison, shared with the calculation's other walks of them (ListChanges.Shared). */
    private final ListChanges.Shared endpointChanges;

    public SelectorSets() {
        this(new ListChanges.Shared());
    }

    SelectorSets(ListChanges.Shared endpointChanges) {
        this.endpointChanges = endpointChanges;
    }

    /** One entry per needed key, by its set's name; empty sets too ({@link #update}, then {@link #sets}). */
    Map<String, IpSetSpec> calculate(List<WorkloadEndpoint> endpoints, List<LabelledNets> networkSets,
                                     Map<String, Profile> newProfiles, Map<String, Namespace> newNamespaces,
                                     Set<SetKey> needed) {
        update(endpoints, networkSets, newProfiles, newNamespaces);
        return sets(needed);
    }

    /**
     * The first half of a calculation, which needs nothing of the local rules: the endpoints and network sets that
     * came and went, and the items relabelled, counted into the sets in use (including any that {@link #sets} then
     * finds no longer needed). So it may run while the caller works out the local rules and which sets they need;
     * with 100,000 endpoints, labelling them all is a third of the first calculation.
     */
    public void update(Snapshot snapshot) {
        update(snapshot.endpoints(), snapshot.networkSets(), snapshot.profiles(), snapshot.namespaces());
    }

    void update(List<WorkloadEndpoint> endpoints, List<LabelledNets> networkSets,
                        Map<String, Profile> newProfiles, Map<String, Namespace> newNamespaces) {
        List<Object> added = new ArrayList<>();
        List<Object> gone = new ArrayList<>();
        endpointChanges.compare(lastEndpoints, endpoints, added, gone);
        ListChanges.compare(lastNetworkSets, networkSets, added, gone);
        // a copy, unless it is immutable already (as a snapshot's lists are): a caller's list may change in place
        lastEndpoints = List.copyOf(endpoints);
        lastNetworkSets = List.copyOf(networkSets);
        gone.forEach(source -> remove(items.get(source)));

        Set<Item> relabel = new HashSet<>();
        changedNamespaces(newNamespaces).forEach(name -> byNamespace.getOrDefault(name, Set.of())
                .forEach(group -> relabel.addAll(group.items)));
        changedProfiles(newProfiles).forEach(name -> relabel.addAll(byProfile.getOrDefault(name, Set.of())));
        namespaces = Map.copyOf(newNamespaces);
        profiles = Map.copyOf(newProfiles);
        relabel.forEach(this::relabel);
        // no group goes while items are only added, so one found for a kind of endpoint stays valid to the end
        Map<EndpointLabels.Source, Group> kinds = new HashMap<>();
        if (items.isEmpty()) {
            // the first calculation adds every endpoint of the cluster: grown on the way, the map of 101,000 items was
            // resized 13 times, rehashing them all twice over (a twentieth of `bench policy`'s first calculation)
            items = new IdentityHashMap<>(added.size());
        }
        added.forEach(source -> add(source, kinds));
    }

    /** The second half, after {@link #update}: one entry per needed key, by its set's name; empty sets too. */
    public Map<String, IpSetSpec> sets(Set<SetKey> needed) {
        fill(needed).work();
        // unordered: HostState orders the sets once, and a sorted map of 750 sets here was a tenth of calc's work
        Map<String, IpSetSpec> result = new HashMap<>();
        for (SetKey key : needed) {
            CountedMembers members = sets.get(key);
            result.put(members.name(), members.spec(typeOf(key), key.version()));
        }
        return result;
    }

    /**
     * The part of {@link #sets} that can be shared, after {@link #update}: drops the sets of keys not NEEDED and
     * matches each new key's selector against the groups (here, on this thread), leaving the new sets' members to be
     * counted by {@link Filling#work}, on as many threads as share it. {@link #sets} does this itself; a caller that
     * knows the needed keys early (the first calculation, from the local endpoints' policies) has them counted by two
     * threads while it makes the rest of the state, then calls {@link #sets}, which counts any key it still misses.
     */
    public Filling fill(Set<SetKey> needed) {
        new ArrayList<>(sets.keySet()).stream().filter(key -> !needed.contains(key)).forEach(this::removeKey);
        List<NewSet> fresh = new ArrayList<>();
        for (SetKey key : needed) {
            if (!sets.containsKey(key)) {
                fresh.add(addKey(key));
            }
        }
        // the largest first, so that two threads end about together (bench policy: one set of 101,000 of 168,000)
        fresh.sort(Comparator.comparingInt(NewSet::expected).reversed());
        return new Filling(fresh);
    }

    private static IpSetSpec.Type typeOf(SetKey key) {
        return key.isNamedPort() ? IpSetSpec.Type.IP_PORT : IpSetSpec.Type.NET;
    }

    /**
     * New sets whose selectors are matched, their members still to count, shared by the threads that call {@link
     * #work}: each takes the next set until none is left. A set is counted by one thread only, and reads only items
     * and groups, which nothing changes meanwhile (an item's members are made at their first use by whichever thread
     * gets there first, see {@link Item}).
     */
    public static final class Filling {
        private final List<NewSet> sets;
        private final AtomicInteger next = new AtomicInteger();

        private Filling(List<NewSet> sets) {
            this.sets = sets;
        }

        /** Counts sets' members and makes their specs until none is left to take. */
        public void work() {
            for (int i = next.getAndIncrement(); i < sets.size(); i = next.getAndIncrement()) {
                sets.get(i).count();
            }
        }
    }

    /** A new key's set and the groups its selector matches, their items still to count into it. */
    private record NewSet(SetKey key, CountedMembers members, Collection<Group> groups, int expected) {
        void count() {
            for (Group group : groups) {
                // an IPv4-only cluster's groups give its IPv6 sets nothing: half the sets, no item to look at
                if (group.addressedItems(key.version()) > 0) {
                    for (Item item : group.items) {
                        item.countInto(members, key, 1);
                    }
                }
            }
            members.spec(typeOf(key), key.version());
        }
    }

    private Set<String> changedNamespaces(Map<String, Namespace> next) {
        Set<String> changed = new HashSet<>();
        Set<String> names = new HashSet<>(namespaces.keySet());
        names.addAll(next.keySet());
        for (String name : names) {
            Namespace before = namespaces.get(name);
            Namespace after = next.get(name);
            if (before != after && !Objects.equals(labelsOf(before), labelsOf(after))) {
                changed.add(name);
            }
        }
        return changed;
    }

    private Set<String> changedProfiles(Map<String, Profile> next) {
        Set<String> changed = new HashSet<>();
        Set<String> names = new HashSet<>(profiles.keySet());
        names.addAll(next.keySet());
        for (String name : names) {
            Profile before = profiles.get(name);
            Profile after = next.get(name);
            if (before != after && !Objects.equals(before == null ? null : before.labels(),
                    after == null ? null : after.labels())) {
                changed.add(name);
            }
        }
        return changed;
    }

    /** A missing namespace and one without labels look the same to a selector. */
    private static Map<String, String> labelsOf(Namespace namespace) {
        return namespace == null ? Map.of() : namespace.labels();
    }

    /**
     * Adds SOURCE, an endpoint or network set. An endpoint's group is found by its kind in KINDS (what its effective
     * labels depend on), labelled once per kind: a cluster's 100,000 endpoints are of a few hundred kinds.
     */
    private void add(Object source, Map<EndpointLabels.Source, Group> kinds) {
        Item item = new Item(source);
        items.put(source, item);
        for (String profile : item.profileIds()) {
            byProfile.computeIfAbsent(profile, name -> new IdentitySet<>()).add(item);
        }
        join(item, source instanceof WorkloadEndpoint endpoint
                ? kinds.computeIfAbsent(EndpointLabels.Source.of(endpoint),
                        kind -> groupFor(EndpointLabels.effective(kind, profiles, namespaces)))
                : groupFor(item.labels(profiles, namespaces)));
    }

    private void remove(Item item) {
        leave(item);
        items.remove(item.source);
        for (String profile : item.profileIds()) {
            unindex(byProfile, profile, item);
        }
    }

    private static <T> void unindex(Map<String, Set<T>> index, String name, T value) {
        Set<T> indexed = index.get(name);
        indexed.remove(value);
        if (indexed.isEmpty()) {
            index.remove(name);
        }
    }

    private void relabel(Item item) {
        Map<String, String> labels = item.labels(profiles, namespaces);
        Group before = item.group;
        if (!labels.equals(before.labels)) {
            leave(item);
            join(item, groupFor(labels, before));
        }
    }

    private Group groupFor(Map<String, String> labels) {
        return groupFor(labels, null);
    }

    /**
     * The group of items with these labels. A new one is matched against every selector in use, or, when it differs
     * from an old group only in a few labels (a namespace's or profile's labels changed), only against the selectors
     * that read one of those: the others match it exactly when they matched the old group.
     */
    private Group groupFor(Map<String, String> labels, Group similar) {
        Group group = groups.get(labels);
        if (group == null) {
            group = new Group(labels);
            groups.put(labels, group);
            if (group.namespace() != null) {
                byNamespace.computeIfAbsent(group.namespace(), name -> new HashSet<>()).add(group);
            }
            for (Map.Entry<String, Map<String, Set<Group>>> key : byLabel.entrySet()) {
                String value = labels.get(key.getKey());
                if (value != null) {
                    key.getValue().computeIfAbsent(value, v -> new HashSet<>()).add(group);
                }
            }
            if (similar == null) {
                selectors.keySet().forEach(group::match);
            } else {
                Set<Selector> affected = new HashSet<>();
                for (String key : differingKeys(similar.labels, labels)) {
                    affected.addAll(selectorsByKey.getOrDefault(key, Set.of()));
                }
                for (Selector selector : similar.matched) {
                    if (!affected.contains(selector)) {
                        group.matched.add(selector);
                    }
                }
                affected.forEach(group::match);
            }
            for (Selector selector : group.matched) {
                selectors.get(selector).groups.add(group);
            }
        }
        return group;
    }

    private static Set<String> differingKeys(Map<String, String> a, Map<String, String> b) {
        Set<String> keys = new HashSet<>();
        a.forEach((key, value) -> {
            if (!value.equals(b.get(key))) {
                keys.add(key);
            }
        });
        b.keySet().stream().filter(key -> !a.containsKey(key)).forEach(keys::add);
        return keys;
    }

    /** The label keys whose values can change whether SELECTOR matches. */
    private static Set<String> keysReadBy(Selector selector) {
        Set<String> keys = new HashSet<>();
        collectKeys(selector, keys);
        return keys;
    }

    private static void collectKeys(Selector selector, Set<String> keys) {
        switch (selector) {
            case Selector.All all -> { }
            case Selector.Global global -> keys.add(Selector.NAMESPACE_LABEL);
            case Selector.Has has -> keys.add(has.key());
            case Selector.Eq eq -> keys.add(eq.key());
            case Selector.Ne ne -> keys.add(ne.key());
            case Selector.In in -> keys.add(in.key());
            case Selector.NotIn notIn -> keys.add(notIn.key());
            case Selector.Contains contains -> keys.add(contains.key());
            case Selector.StartsWith startsWith -> keys.add(startsWith.key());
            case Selector.EndsWith endsWith -> keys.add(endsWith.key());
            case Selector.Not not -> collectKeys(not.operand(), keys);
            case Selector.And and -> and.operands().forEach(operand -> collectKeys(operand, keys));
            case Selector.Or or -> or.operands().forEach(operand -> collectKeys(operand, keys));
        }
    }

    private void join(Item item, Group group) {
        item.group = group;
        group.items.add(item);
        group.countAddressed(item, 1);
        group.matched.forEach(selector -> count(item, selector, 1));
    }

    private void leave(Item item) {
        Group group = item.group;
        group.matched.forEach(selector -> count(item, selector, -1));
        group.items.remove(item);
        group.countAddressed(item, -1);
        if (group.items.isEmpty()) {
            groups.remove(group.labels);
            if (group.namespace() != null) {
                unindex(byNamespace, group.namespace(), group);
            }
            for (Map.Entry<String, Map<String, Set<Group>>> key : byLabel.entrySet()) {
                String value = group.labels.get(key.getKey());
                if (value != null) {
                    Set<Group> indexed = key.getValue().get(value);
                    indexed.remove(group);
                    if (indexed.isEmpty()) {
                        key.getValue().remove(value);
                    }
                }
            }
            group.matched.forEach(selector -> selectors.get(selector).groups.remove(group));
        }
        item.group = null;
    }

    private void count(Item item, Selector selector, int delta) {
        for (SetKey key : selectors.get(selector).keys) {
            item.countInto(sets.get(key), key, delta);
        }
    }

    /**
     * A key not seen before: its selector is matched against every group unless another key already did it; its set
     * is registered empty, for {@link NewSet#count}.
     */
    private NewSet addKey(SetKey key) {
        Matches matches = selectors.get(key.selector());
        if (matches == null) {
            matches = new Matches();
            selectors.put(key.selector(), matches);
            for (String read : keysReadBy(key.selector())) {
                selectorsByKey.computeIfAbsent(read, k -> new HashSet<>()).add(key.selector());
            }
            Candidates candidates = candidates(key.selector());
            for (Collection<Group> some : candidates == null ? List.of(groups.values()) : candidates.sets()) {
                for (Group group : some) {
                    if (key.selector().matches(group.labels)) {
                        group.matched.add(key.selector());
                        matches.groups.add(group);
                    }
                }
            }
        }
        matches.keys.add(key);
        // the items with an address of the family: an IPv4-only cluster's IPv6 sets need no table of 100,000 slots
        int expected = matches.groups.stream().mapToInt(group -> group.addressedItems(key.version())).sum();
        CountedMembers members = new CountedMembers(key.name(), expected, key.version() == 4);
        sets.put(key, members);
        return new NewSet(key, members, matches.groups, expected);
    }

    /**
     * The groups that can match SELECTOR, as a union of index entries (a group may be in more than one), or null when
     * the selector names no value or key that every match must have: an equality, a set of values or has() as the
     * selector or as one of the operands of its top-level and (the smallest wins), or such a restriction in every
     * operand of an or.
     */
    private Candidates candidates(Selector selector) {
        return switch (selector) {
            case Selector.Eq eq -> withValues(eq.key(), List.of(eq.value()));
            case Selector.In in -> withValues(in.key(), in.values());
            case Selector.Has has -> withValues(has.key(), null);
            case Selector.And and -> {
                Candidates smallest = null;
                for (Selector operand : and.operands()) {
                    Candidates some = candidates(operand);
                    if (some != null && (smallest == null || some.size() < smallest.size())) {
                        smallest = some;
                    }
                }
                yield smallest;
            }
            case Selector.Or or -> {
                List<Collection<Group>> union = new ArrayList<>();
                for (Selector operand : or.operands()) {
                    Candidates some = candidates(operand);
                    if (some == null) {
                        yield null;
                    }
                    union.addAll(some.sets());
                }
                yield new Candidates(union);
            }
            default -> null;
        };
    }

    /** The groups with one of VALUES for KEY (any value if null), indexing KEY first if no selector did before. */
    private Candidates withValues(String key, List<String> values) {
        Map<String, Set<Group>> byValue = byLabel.get(key);
        if (byValue == null) {
            byValue = new HashMap<>();
            byLabel.put(key, byValue);
            for (Group group : groups.values()) {
                String value = group.labels.get(key);
                if (value != null) {
                    byValue.computeIfAbsent(value, v -> new HashSet<>()).add(group);
                }
            }
        }
        if (values == null) {
            return new Candidates(List.copyOf(byValue.values()));
        }
        List<Collection<Group>> sets = new ArrayList<>();
        for (String value : values) {
            Set<Group> some = byValue.get(value);
            if (some != null) {
                sets.add(some);
            }
        }
        return new Candidates(sets);
    }

    /** A union of index entries. */
    private record Candidates(List<? extends Collection<Group>> sets) {
        int size() {
            return sets.stream().mapToInt(Collection::size).sum();
        }
    }

    private void removeKey(SetKey key) {
        sets.remove(key);
        Matches matches = selectors.get(key.selector());
        matches.keys.remove(key);
        if (matches.keys.isEmpty()) {
            selectors.remove(key.selector());
            for (String read : keysReadBy(key.selector())) {
                Set<Selector> reading = selectorsByKey.get(read);
                reading.remove(key.selector());
                if (reading.isEmpty()) {
                    selectorsByKey.remove(read);
                }
            }
            matches.groups.forEach(group -> group.matched.remove(key.selector()));
        }
    }

    /**
     * An endpoint or a network set. Its hash:net members of each family are made once, when a set first takes them
     * (IPv4 as codes, IPv6 as strings that every set the item is in then shares), and an item in no set of a family
     * has none (made with the item, `bench scale`'s live heap was 5 MB more: most of its remote endpoints are in no
     * set). Threads counting new sets at once may both make an item's members; each makes an equal immutable value,
     * whose final fields make it safe to publish without a lock, and one of the two is kept.
     */
    private static final class Item {
        final Object source;
        Group group;
        private final boolean addressedV4;
        private final boolean addressedV6;
        private V4Codes v4;
        private List<String> v6;

        Item(Object source) {
            this.source = source;
            this.addressedV4 = addressed(source, 4);
            this.addressedV6 = addressed(source, 6);
        }

        List<String> profileIds() {
            return source instanceof WorkloadEndpoint endpoint ? endpoint.profileIds() : List.of();
        }

        Map<String, String> labels(Map<String, Profile> profiles, Map<String, Namespace> namespaces) {
            return source instanceof WorkloadEndpoint endpoint ? EndpointLabels.effective(endpoint, profiles, namespaces)
                    : EndpointLabels.forNetworkSet((LabelledNets) source, namespaces);
        }

        /**
         * Counts what this item puts into the set of KEY (if the key's selector matches it) into MEMBERS: an IPv4
         * set's as codes ({@link Ipv4Member}), an IPv6 set's as text.
         */
        void countInto(CountedMembers members, SetKey key, int delta) {
            if (!key.isNamedPort()) {
                if (key.version() == 4) {
                    members.count(v4Codes(), delta);
                } else {
                    members.count(v6Nets(), delta);
                }
                return;
            }
            // most items put nothing into a named port's set (no address of the family, no such port): nothing made
            if (!addressed(key.version()) || !(source instanceof WorkloadEndpoint endpoint)) {
                return;
            }
            List<EndpointPort> ports = endpoint.ports();
            for (int p = 0; p < ports.size(); p++) {
                EndpointPort port = ports.get(p);
                // the protocols by name: a record's equals is bootstrapped at its first call, on the cold first pass
                if (port.name().equals(key.portName()) && port.protocol().name().equals(key.protocol().name())) {
                    if (key.version() == 4) {
                        members.count(withPort(endpoint, port), delta);
                    } else {
                        List<Cidr> nets = endpoint.nets(6);
                        List<String> texts = new ArrayList<>(nets.size());
                        for (Cidr net : nets) {
                            texts.add(IpSetMembers.addressAndPort(net, port));
                        }
                        members.count(texts, delta);
                    }
                }
            }
        }

        /**
         * Its IPv4 members with PORT, as {@link IpSetMembers#addressAndPort} makes their text: each net's network
         * address, read from its hash:net codes when a selector set made them (an endpoint has no /0, which is refused
         * when it is made, so its codes are its nets, in order), else from its nets, made into no codes kept: most of
         * a named port's set of every endpoint are in some selector set too, and an endpoint's addresses are then read
         * once between them, not once each (three objects per endpoint, on the first pass's cold code), while an
         * endpoint in no selector set keeps no codes (1.4 MB of `bench policy`'s live heap when it did).
         */
        private long[] withPort(WorkloadEndpoint endpoint, EndpointPort port) {
            V4Codes made = v4;
            List<Cidr> nets = made == null ? endpoint.nets(4) : null;
            long[] codes = new long[made == null ? nets.size() : made.codes().length];
            for (int i = 0; i < codes.length; i++) {
                int address = made == null ? nets.get(i).network().ipv4() : Ipv4Member.address(made.codes()[i]);
                codes[i] = Ipv4Member.addressAndPort(address, port.protocol().name(), port.port());
            }
            return codes;
        }

        /**
         * Its IPv4 hash:net members as codes: as {@link IpSetMembers#net} makes their text. By index, one walk for the
         * usual item (its nets all IPv4, none /0): made for each of 100,000 items on the first calculation's cold code.
         */
        private long[] v4Codes() {
            V4Codes made = v4;
            if (made == null) {
                List<Cidr> nets = all(source, 4);
                long[] codes = new long[nets.size()];
                int n = 0;
                for (int i = 0; i < nets.size(); i++) {
                    Cidr net = nets.get(i);
                    if (net.version() != 4) {
                        continue;
                    }
                    if (net.prefixLength() > 0) {
                        codes[n++] = Ipv4Member.net(net.network().ipv4(), net.prefixLength());
                    } else {
                        // the kernel refuses /0 in a hash:net set: the two halves
                        codes = Arrays.copyOf(codes, codes.length + 1);
                        codes[n++] = Ipv4Member.net(0, 1);
                        codes[n++] = Ipv4Member.net(0x8000_0000, 1);
                    }
                }
                made = new V4Codes(n == codes.length ? codes : Arrays.copyOf(codes, n));
                v4 = made;
            }
            return made.codes();
        }

        private List<String> v6Nets() {
            List<String> nets = v6;
            if (nets == null) {
                List<String> made = new ArrayList<>();
                for (Cidr net : all(source, 6)) {
                    if (net.version() == 6) {
                        made.addAll(IpSetMembers.net(net));
                    }
                }
                nets = List.copyOf(made);
                v6 = nets;
            }
            return nets;
        }

        boolean addressed(int version) {
            return version == 4 ? addressedV4 : addressedV6;
        }

        /** By index, not a stream: made for each of a cluster's 100,000 items, on the cold code of a first calculation. */
        private static boolean addressed(Object source, int version) {
            List<Cidr> nets = all(source, version);
            for (int i = 0; i < nets.size(); i++) {
                if (nets.get(i).version() == version) {
                    return true;
                }
            }
            return false;
        }

        /** Its nets of the family, and a network set's of the other family too. */
        private static List<Cidr> all(Object source, int version) {
            return source instanceof WorkloadEndpoint endpoint ? endpoint.nets(version) : ((LabelledNets) source).spec().nets();
        }
    }

    /** An item's IPv4 codes, behind a final field: published to the other counting thread without a lock. */
    private record V4Codes(long[] codes) {
    }

    /** Items with the same effective labels, and the selectors in use that match them. */
    private static final class Group {
        final Map<String, String> labels;
        final Set<Item> items = new IdentitySet<>();
        final Set<Selector> matched = new HashSet<>();
        /** How many of its items have an address (a net) of IPv4 and of IPv6: only those give a set members. */
        private int addressedV4;
        private int addressedV6;

        Group(Map<String, String> labels) {
            this.labels = labels;
        }

        void countAddressed(Item item, int delta) {
            addressedV4 += item.addressed(4) ? delta : 0;
            addressedV6 += item.addressed(6) ? delta : 0;
        }

        /** How many of its items have a net of the family: an item without one is in no set of that family. */
        int addressedItems(int version) {
            return version == 4 ? addressedV4 : addressedV6;
        }

        /** The namespace of its items (effective labels name it), null for global network sets'. */
        String namespace() {
            return labels.get(Selector.NAMESPACE_LABEL);
        }

        void match(Selector selector) {
            if (selector.matches(labels)) {
                matched.add(selector);
            }
        }
    }

    /** A selector in use: the keys that use it and the groups it matches. */
    private static final class Matches {
        final List<SetKey> keys = new ArrayList<>();
        final Set<Group> groups = new HashSet<>();
    }

    /** One set: how many items contribute each member, and the spec last handed out while nothing changed. */
}
