package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.selector.Selector;
import org.jcalico.policy.EndpointLabels;

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
    private final Map<Object, Item> items = new IdentityHashMap<>();
    private final Map<String, Set<Item>> byNamespace = new HashMap<>();
    private final Map<String, Set<Item>> byProfile = new HashMap<>();
    private final Map<Map<String, String>, Group> groups = new HashMap<>();
    private final Map<Selector, Matches> selectors = new HashMap<>();
    private final Map<SetKey, Members> sets = new HashMap<>();
    private boolean round;

    /** One entry per needed key, by its set's name; empty sets too. */
    public Map<String, IpSetSpec> calculate(Snapshot snapshot, Set<SetKey> needed) {
        return calculate(snapshot.endpoints(), snapshot.networkSets(), snapshot.profiles(), snapshot.namespaces(), needed);
    }

    Map<String, IpSetSpec> calculate(List<WorkloadEndpoint> endpoints, List<LabelledNets> networkSets,
                                     Map<String, Profile> newProfiles, Map<String, Namespace> newNamespaces,
                                     Set<SetKey> needed) {
        new ArrayList<>(sets.keySet()).stream().filter(key -> !needed.contains(key)).forEach(this::removeKey);

        round = !round;
        List<Object> added = new ArrayList<>();
        markPresent(endpoints, added);
        markPresent(networkSets, added);
        List<Item> gone = items.values().stream().filter(item -> item.round != round).toList();
        gone.forEach(this::remove);

        Set<Item> relabel = new HashSet<>();
        changedNamespaces(newNamespaces).forEach(name -> relabel.addAll(byNamespace.getOrDefault(name, Set.of())));
        changedProfiles(newProfiles).forEach(name -> relabel.addAll(byProfile.getOrDefault(name, Set.of())));
        namespaces = newNamespaces;
        profiles = newProfiles;
        relabel.forEach(this::relabel);
        added.forEach(this::add);

        needed.stream().filter(key -> !sets.containsKey(key)).forEach(this::addKey);

        Map<String, IpSetSpec> result = new TreeMap<>();
        for (SetKey key : needed) {
            result.put(key.name(), sets.get(key).spec(key));
        }
        return result;
    }

    private void markPresent(List<?> sources, List<Object> added) {
        for (Object source : sources) {
            Item item = items.get(source);
            if (item == null) {
                added.add(source);
            } else {
                item.round = round;
            }
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

    private void add(Object source) {
        Item item = new Item(source, round);
        items.put(source, item);
        if (item.namespace() != null) {
            byNamespace.computeIfAbsent(item.namespace(), name -> new HashSet<>()).add(item);
        }
        for (String profile : item.profileIds()) {
            byProfile.computeIfAbsent(profile, name -> new HashSet<>()).add(item);
        }
        join(item, groupFor(item.labels(profiles, namespaces)));
    }

    private void remove(Item item) {
        leave(item);
        items.remove(item.source);
        if (item.namespace() != null) {
            unindex(byNamespace, item.namespace(), item);
        }
        for (String profile : item.profileIds()) {
            unindex(byProfile, profile, item);
        }
    }

    private static void unindex(Map<String, Set<Item>> index, String name, Item item) {
        Set<Item> indexed = index.get(name);
        indexed.remove(item);
        if (indexed.isEmpty()) {
            index.remove(name);
        }
    }

    private void relabel(Item item) {
        Map<String, String> labels = item.labels(profiles, namespaces);
        if (!labels.equals(item.group.labels)) {
            leave(item);
            join(item, groupFor(labels));
        }
    }

    /** The group of items with these labels; a new one is matched against every selector in use. */
    private Group groupFor(Map<String, String> labels) {
        Group group = groups.get(labels);
        if (group == null) {
            group = new Group(labels);
            groups.put(labels, group);
            for (Map.Entry<Selector, Matches> selector : selectors.entrySet()) {
                if (selector.getKey().matches(labels)) {
                    group.matched.add(selector.getKey());
                    selector.getValue().groups.add(group);
                }
            }
        }
        return group;
    }

    private void join(Item item, Group group) {
        item.group = group;
        group.items.add(item);
        group.matched.forEach(selector -> count(item, selector, 1));
    }

    private void leave(Item item) {
        Group group = item.group;
        group.matched.forEach(selector -> count(item, selector, -1));
        group.items.remove(item);
        if (group.items.isEmpty()) {
            groups.remove(group.labels);
            group.matched.forEach(selector -> selectors.get(selector).groups.remove(group));
        }
        item.group = null;
    }

    private void count(Item item, Selector selector, int delta) {
        for (SetKey key : selectors.get(selector).keys) {
            sets.get(key).count(item.members(key), delta);
        }
    }

    /** A key not seen before: its selector is matched against every group unless another key already did it. */
    private void addKey(SetKey key) {
        Matches matches = selectors.get(key.selector());
        if (matches == null) {
            matches = new Matches();
            selectors.put(key.selector(), matches);
            for (Group group : groups.values()) {
                if (key.selector().matches(group.labels)) {
                    group.matched.add(key.selector());
                    matches.groups.add(group);
                }
            }
        }
        matches.keys.add(key);
        Members members = new Members();
        sets.put(key, members);
        for (Group group : matches.groups) {
            for (Item item : group.items) {
                members.count(item.members(key), 1);
            }
        }
    }

    private void removeKey(SetKey key) {
        sets.remove(key);
        Matches matches = selectors.get(key.selector());
        matches.keys.remove(key);
        if (matches.keys.isEmpty()) {
            selectors.remove(key.selector());
            matches.groups.forEach(group -> group.matched.remove(key.selector()));
        }
    }

    /** An endpoint or a network set. */
    private static final class Item {
        final Object source;
        boolean round;
        Group group;

        Item(Object source, boolean round) {
            this.source = source;
            this.round = round;
        }

        String namespace() {
            return switch (source) {
                case WorkloadEndpoint endpoint -> endpoint.namespace();
                case NetworkSet set -> set.metadata().namespace();
                default -> null;
            };
        }

        List<String> profileIds() {
            return source instanceof WorkloadEndpoint endpoint ? endpoint.profileIds() : List.of();
        }

        Map<String, String> labels(Map<String, Profile> profiles, Map<String, Namespace> namespaces) {
            return source instanceof WorkloadEndpoint endpoint ? EndpointLabels.effective(endpoint, profiles, namespaces)
                    : EndpointLabels.forNetworkSet((LabelledNets) source, namespaces);
        }

        /** What this item puts into the set of KEY (if the key's selector matches it). */
        List<String> members(SetKey key) {
            List<String> members = new ArrayList<>();
            if (source instanceof WorkloadEndpoint endpoint) {
                List<Cidr> nets = endpoint.nets(key.version());
                if (key.isNamedPort()) {
                    for (EndpointPort port : endpoint.ports()) {
                        if (port.name().equals(key.portName()) && port.protocol().equals(key.protocol())) {
                            nets.forEach(net -> members.add(IpSetMembers.addressAndPort(net, port)));
                        }
                    }
                } else {
                    nets.forEach(net -> members.addAll(IpSetMembers.net(net)));
                }
            } else if (!key.isNamedPort()) {
                for (Cidr net : ((LabelledNets) source).spec().nets()) {
                    if (net.version() == key.version()) {
                        members.addAll(IpSetMembers.net(net));
                    }
                }
            }
            return members;
        }
    }

    /** Items with the same effective labels, and the selectors in use that match them. */
    private static final class Group {
        final Map<String, String> labels;
        final Set<Item> items = new HashSet<>();
        final Set<Selector> matched = new HashSet<>();

        Group(Map<String, String> labels) {
            this.labels = labels;
        }
    }

    /** A selector in use: the keys that use it and the groups it matches. */
    private static final class Matches {
        final List<SetKey> keys = new ArrayList<>();
        final Set<Group> groups = new HashSet<>();
    }

    /** One set: how many items contribute each member, and the spec last handed out while nothing changed. */
    private static final class Members {
        final Map<String, Integer> counts = new HashMap<>();
        IpSetSpec spec;

        void count(List<String> members, int delta) {
            for (String member : members) {
                counts.merge(member, delta, (a, b) -> a + b == 0 ? null : a + b);
                spec = null;
            }
        }

        IpSetSpec spec(SetKey key) {
            if (spec == null) {
                spec = new IpSetSpec(key.name(), key.isNamedPort() ? IpSetSpec.Type.IP_PORT : IpSetSpec.Type.NET,
                        key.version(), counts.keySet());
            }
            return spec;
        }
    }
}
