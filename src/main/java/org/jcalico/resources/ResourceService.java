package org.jcalico.resources;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Retries;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.BlockRebuild;
import org.jcalico.ipam.NodeAddressesOutsidePools;
import org.jcalico.ipam.Pools;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Kinds;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.Node;
import org.jcalico.model.Policy;
import org.jcalico.model.Tier;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.Rule;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.nodes.NodeService;
import org.jcalico.util.Shown;
import org.jcalico.workload.Intents;

/**
 * `apply` and `delete` for any kind: the same checks as the dedicated commands, and a whole file applied in one
 * atomic commit, so a file with one bad resource changes nothing.
 */
public final class ResourceService {
    private final ResourceStore store;

    public ResourceService(ResourceStore store) {
        this.store = store;
    }

    /** What apply did to one resource. */
    public record Applied(String verb, Resource resource) {
    }

    /**
     * Applies the whole list in one commit, or nothing. Linear in the size of the list and of the store: every kind
     * in the list is read once, and the checks work on those readings (100,000 profiles take seconds). The commit is
     * guarded by what the checks read; where a concurrent write broke a guard, the list is read, checked and
     * committed again, so it is applied as if after that write, or refused by the check that write now fails.
     */
    public List<Applied> apply(List<Resource> resources) {
        return Retries.run(() -> {
            Plan plan = plan(resources);
            if (!plan.ops().isEmpty()) {
                store.commit(plan.ops());
            }
            return plan.applied();
        });
    }

    /** What {@link #apply} would do with the list, checked exactly as apply checks it; nothing is written. */
    public List<Applied> check(List<Resource> resources) {
        return plan(resources).applied();
    }

    /** The writes of an apply, with the guards of its checks, and what it does to each resource. */
    private record Plan(List<Op> ops, List<Applied> applied) {
    }

    private Plan plan(List<Resource> resources) {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < resources.size(); i++) {
            Resource resource = resources.get(i);
            if (resource instanceof IpamBlock || resource instanceof EndpointStatus || resource instanceof WorkloadEndpoint) {
                throw new ValidationException(where(resources, i) + ": " + resource.kind() + " is written by jcalico itself ("
                        + (resource instanceof WorkloadEndpoint ? "use 'jcalico container add'" : "it cannot be applied") + ")");
            }
            if (positions.put(Keys.key(resource), i) != null) {
                throw new ValidationException(where(resources, i) + ": appears twice in the input");
            }
        }
        Stored stored = new Stored();
        checkPools(resources, stored);
        checkProfiles(resources, stored);
        checkPeers(resources, stored);
        checkNodes(resources, stored);
        checkNodesOutsidePools(resources, stored);
        List<Op> guards = new ArrayList<>(poolGuards(resources, stored));
        guards.addAll(tierGuards(resources, stored));
        boolean nodes = resources.stream().anyMatch(r -> r instanceof Node);
        boolean pools = resources.stream().anyMatch(r -> r instanceof IpPool);
        if (nodes || pools) {
            // the nodes' addresses were checked against each other and against the pools
            guards.add(NodeService.addressesGuard(stored.revision(Node.class)));
        }
        if (nodes && !pools) {
            guards.add(ResourceStore.noneNewerOp(IpPool.class, stored.revision(IpPool.class)));
        }
        List<Profile> profiles = resources.stream().filter(r -> r instanceof Profile).map(Profile.class::cast).toList();
        if (!profiles.isEmpty()) {
            // a tag a profile of the list carries needs no guard: the commit writes its carrier
            Set<String> named = new HashSet<>();
            profiles.forEach(profile -> named.addAll(ProfileService.ruleTags(profile)));
            named.removeAll(ProfileService.tagsOf(profiles));
            guards.addAll(ProfileService.tagGuards(named, stored.listed(Profile.class)));
        }
        List<Op> ops = new ArrayList<>();
        List<Applied> applied = new ArrayList<>();
        for (Resource resource : resources) {
            Versioned<? extends Resource> existing = stored.byKey(resource.getClass()).get(Keys.key(resource));
            if (existing == null) {
                ops.add(ResourceStore.createOp(resource));
                applied.add(new Applied("created", resource));
            } else if (existing.resource().equals(resource)) {
                applied.add(new Applied("unchanged", resource));
            } else {
                ops.add(ResourceStore.updateOp(resource, existing.revision()));
                applied.add(new Applied("updated", resource));
            }
        }
        if (!ops.isEmpty()) {
            ops.addAll(guards);
        }
        return new Plan(ops, applied);
    }

    /**
     * Pools are checked against the pools (and, for a block-size change, the blocks) as this apply read them: the
     * commit fails if any of them changed since, so two overlapping pools can never both be applied.
     */
    private static List<Op> poolGuards(List<Resource> resources, Stored stored) {
        List<IpPool> pools = resources.stream().filter(r -> r instanceof IpPool).map(IpPool.class::cast).toList();
        if (pools.isEmpty()) {
            return List.of();
        }
        List<Op> guards = new ArrayList<>(List.of(ResourceStore.noneNewerOp(IpPool.class, stored.revision(IpPool.class))));
        List<IpPool> existing = stored.list(IpPool.class);
        boolean resized = pools.stream().anyMatch(pool -> existing.stream()
                .anyMatch(other -> other.cidr().equals(pool.cidr()) && !other.blockSize().equals(pool.blockSize())));
        if (resized) {
            guards.add(ResourceStore.noneNewerOp(IpamBlock.class, stored.revision(IpamBlock.class)));
        }
        return guards;
    }

    /**
     * A policy's tier exists once the list is applied (as Calico refuses a policy in a tier it does not have), and the
     * commit fails if a stored tier it relies on was deleted or changed since this apply read it.
     */
    private static List<Op> tierGuards(List<Resource> resources, Stored stored) {
        Set<String> inBatch = new HashSet<>();
        resources.stream().filter(r -> r instanceof Tier).forEach(tier -> inBatch.add(tier.name()));
        Map<String, Versioned<? extends Resource>> tiers = null;
        List<Op> guards = new ArrayList<>();
        Set<String> guarded = new HashSet<>();
        for (int i = 0; i < resources.size(); i++) {
            if (!(resources.get(i) instanceof Policy policy)) {
                continue;
            }
            String tier = policy.spec().tier();
            if (tier.equals(Tier.DEFAULT) || inBatch.contains(tier)) {
                continue;
            }
            if (tiers == null) {
                tiers = stored.byKey(Tier.class);
            }
            Versioned<? extends Resource> existing = tiers.get(Keys.keyOf(Tier.class, tier));
            if (existing == null) {
                throw at(resources, i, ValidationException.field("spec.tier", tier, "does not exist (apply the Tier first, or in the same file)"));
            }
            if (guarded.add(tier)) {
                guards.add(ResourceStore.unchangedOp(existing));
            }
        }
        return guards;
    }

    /** What the store holds of each kind, read once per apply, and the revision it was read at. */
    private final class Stored {
        private final Map<Class<? extends Resource>, Map<String, Versioned<? extends Resource>>> byKind = new HashMap<>();
        private final Map<Class<? extends Resource>, Long> revisions = new HashMap<>();

        Map<String, Versioned<? extends Resource>> byKey(Class<? extends Resource> kind) {
            return byKind.computeIfAbsent(kind, k -> {
                ResourceStore.Listed<? extends Resource> listed = store.listed(k);
                revisions.put(k, listed.revision());
                Map<String, Versioned<? extends Resource>> map = new LinkedHashMap<>();
                listed.items().forEach(versioned -> map.put(Keys.key(versioned.resource()), versioned));
                return map;
            });
        }

        long revision(Class<? extends Resource> kind) {
            byKey(kind);
            return revisions.get(kind);
        }

        <T extends Resource> ResourceStore.Listed<T> listed(Class<T> kind) {
            List<Versioned<T>> items = byKey(kind).values().stream()
                    .map(versioned -> new Versioned<>(kind.cast(versioned.resource()), versioned.revision())).toList();
            return new ResourceStore.Listed<>(items, revision(kind));
        }

        <T extends Resource> List<T> list(Class<T> kind) {
            return byKey(kind).values().stream().map(versioned -> kind.cast(versioned.resource())).toList();
        }
    }

    private static String where(List<Resource> resources, int i) {
        Resource resource = resources.get(i);
        return "resource " + (i + 1) + " (" + resource.kind() + " " + resource.name() + ")";
    }

    private static ValidationException at(List<Resource> resources, int i, ValidationException e) {
        return new ValidationException(where(resources, i) + ": " + e.getMessage());
    }

    private static void checkPools(List<Resource> resources, Stored stored) {
        List<IpPool> batch = resources.stream().filter(r -> r instanceof IpPool).map(IpPool.class::cast).toList();
        if (batch.isEmpty()) {
            return;
        }
        List<IpPool> storedPools = stored.list(IpPool.class);
        List<IpamBlock> blocks = stored.list(IpamBlock.class);
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i) instanceof IpPool pool) {
                List<IpPool> others = new ArrayList<>(storedPools);
                batch.stream().filter(other -> other != pool).forEach(others::add);
                try {
                    Pools.checkCanApply(pool, others, blocks);
                } catch (ValidationException e) {
                    throw at(resources, i, e);
                }
            }
        }
    }

    /** Every tag a rule names is carried by some profile once the list is applied, and none still used goes away. */
    private static void checkProfiles(List<Resource> resources, Stored stored) {
        if (resources.stream().noneMatch(r -> r instanceof Profile)) {
            return;
        }
        Map<String, Profile> after = new LinkedHashMap<>();
        List<Profile> before = stored.list(Profile.class);
        before.forEach(profile -> after.put(profile.name(), profile));
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i) instanceof Profile profile) {
                after.put(profile.name(), profile);
                positions.put(profile.name(), i);
            }
        }
        Set<String> tags = ProfileService.tagsOf(after.values());
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i) instanceof Profile profile) {
                try {
                    for (Direction direction : Direction.values()) {
                        for (Rule rule : profile.rules(direction)) {
                            ProfileService.checkTags(rule, tags);
                        }
                    }
                } catch (ValidationException e) {
                    throw at(resources, i, e);
                }
            }
        }
        ProfileService.usedTagRemoved(before, after.values()).ifPresent(inUse -> {
            throw at(resources, positions.get(inUse.carrier()), inUse.error());
        });
    }

    private static void checkNodes(List<Resource> resources, Stored stored) {
        if (resources.stream().noneMatch(r -> r instanceof Node)) {
            return;
        }
        // each node is checked against the stored ones and those before it, so the later of two is blamed
        Set<String> inBatch = new HashSet<>();
        resources.stream().filter(r -> r instanceof Node).forEach(node -> inBatch.add(node.name()));
        List<Node> cluster = new ArrayList<>(stored.list(Node.class).stream().filter(node -> !inBatch.contains(node.name())).toList());
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i) instanceof Node node) {
                try {
                    NodeService.checkAddressesFree(node, cluster);
                } catch (ValidationException e) {
                    throw at(resources, i, e);
                }
                cluster.add(node);
            }
        }
    }

    /** No pool covers a node's address once the list is applied: each pool and node of the list is checked against the other kind. */
    private static void checkNodesOutsidePools(List<Resource> resources, Stored stored) {
        if (resources.stream().noneMatch(r -> r instanceof Node || r instanceof IpPool)) {
            return;
        }
        Map<String, Node> nodes = new LinkedHashMap<>();
        stored.list(Node.class).forEach(node -> nodes.put(node.name(), node));
        Map<String, IpPool> pools = new LinkedHashMap<>();
        stored.list(IpPool.class).forEach(pool -> pools.put(pool.name(), pool));
        resources.forEach(resource -> {
            if (resource instanceof Node node) {
                nodes.put(node.name(), node);
            } else if (resource instanceof IpPool pool) {
                pools.put(pool.name(), pool);
            }
        });
        for (int i = 0; i < resources.size(); i++) {
            try {
                if (resources.get(i) instanceof IpPool pool) {
                    NodeAddressesOutsidePools.checkPool(pool, nodes.values());
                } else if (resources.get(i) instanceof Node node) {
                    NodeAddressesOutsidePools.checkNode(node, pools.values());
                }
            } catch (ValidationException e) {
                throw at(resources, i, e);
            }
        }
    }

    private void checkPeers(List<Resource> resources, Stored stored) {
        Set<String> batchNodes = new HashSet<>();
        resources.stream().filter(r -> r instanceof Node).forEach(node -> batchNodes.add(node.name()));
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i) instanceof BgpPeer peer && peer.node() != null && !batchNodes.contains(peer.node())
                    && store.get(Node.class, peer.node()).isEmpty()) {
                throw at(resources, i, ValidationException.field("node", peer.node(), "is not a known node"));
            }
        }
    }

    /** Deletes one resource, refusing what would leave something dangling. */
    public Resource delete(Class<? extends Resource> kind, String name) {
        refuseManaged(kind);
        if (kind == IpPool.class) {
            Cidr cidr = Cidr.parse(name);
            IpPool pool = store.get(IpPool.class, cidr.toString()).map(Versioned::resource).orElse(null);
            new Pools(store).remove(cidr);
            return pool;
        }
        if (kind == Profile.class) {
            Profile profile = new ProfileService(store).get(name).resource();
            new ProfileService(store).remove(name);
            return profile;
        }
        if (kind == Node.class) {
            // a resource must exist to be deleted: the blocks of a name no node has are `node remove`'s to give up
            Node node = store.get(Node.class, name).map(Versioned::resource)
                    .orElseThrow(() -> new ValidationException("node '" + name + "' does not exist"));
            new NodeService(store).remove(name);
            return node;
        }
        if (kind == Tier.class) {
            return deleteTier(name);
        }
        Versioned<? extends Resource> existing = store.get(kind, name)
                .orElseThrow(() -> new ValidationException(Kinds.name(kind) + " '" + name + "' does not exist"));
        store.delete(existing.resource(), existing.revision());
        return existing.resource();
    }

    /** A tier goes only when no policy is in it; the commit fails if a policy was written meanwhile. */
    /**
     * Deletes the record of the kind by name if it cannot be read (written by hand, by another program or an older
     * jcalico), so an admin needs neither etcdctl nor sqlite3 to repair the store: by its key, guarded by its
     * revision, so a value written meanwhile is not deleted unseen. What depends on it cannot be checked (its content
     * is unknown): a node's IPAM blocks stay, for `node remove` to give up. The kinds jcalico writes itself are
     * repaired so that no address in use can be handed out again (docs/datastore.md, "Session 49 (r-bad)"): an
     * endpoint's record goes with an intent for its node's agent to undo what it left ({@link Intents#detachUnreadable}),
     * a block is rebuilt from the endpoints holding its addresses ({@link BlockRebuild}), a status goes (its agent
     * writes it again). Empty, changing nothing, when the record reads or there is none ({@link #delete} then applies).
     */
    public Optional<Repaired> deleteUnreadable(Class<? extends Resource> kind, String name) {
        Optional<ResourceStore.Unreadable> unreadable = store.unreadable(kind, name);
        if (unreadable.isEmpty()) {
            return Optional.empty();
        }
        ResourceStore.Unreadable record = unreadable.get();
        if (kind == WorkloadEndpoint.class) {
            return Optional.of(new Repaired(record, "deleted", Intents.detachUnreadable(store, record)
                    .map(intent -> "; its veth " + intent.hostInterface() + " and the addresses held for " + intent.handle()
                            + " go at node " + intent.node() + "'s next sweep of unfinished container commands")
                    .orElse("")));
        }
        if (kind == IpamBlock.class) {
            return Optional.of(new BlockRebuild(store).rebuild(record)
                    .map(block -> new Repaired(record, "rebuilt", " from the endpoints holding its addresses: "
                            + block.allocations().size() + " address(es) in use"
                            + (block.affinity() == null ? ", of no node" : ", of node " + block.affinity())))
                    .orElseGet(() -> new Repaired(record, "deleted", " (its key names no block)")));
        }
        store.commit(List.of(new Op.Delete(record.key(), record.revision())));
        return Optional.of(new Repaired(record, "deleted", kind == Node.class
                ? " (its IPAM blocks, if any: 'jcalico node remove " + Shown.value(name) + "')" : ""));
    }

    /** An unreadable record repaired: VERB "deleted" or "rebuilt", and what an admin should know after the key. */
    public record Repaired(ResourceStore.Unreadable record, String verb, String after) {
    }

    /** The kinds jcalico writes itself: deleting one by hand would break what it keeps consistent. */
    public static boolean managed(Class<? extends Resource> kind) {
        return kind == WorkloadEndpoint.class || kind == IpamBlock.class || kind == EndpointStatus.class;
    }

    private static void refuseManaged(Class<? extends Resource> kind) {
        if (managed(kind)) {
            String instead = kind == WorkloadEndpoint.class ? ": use 'jcalico container remove'"
                    : kind == IpamBlock.class ? ": use 'jcalico ipam release' or 'pool remove'" : "";
            throw new ValidationException("a " + Kinds.name(kind) + " is managed by jcalico itself" + instead);
        }
    }

    private Resource deleteTier(String name) {
        if (name.equals(Tier.DEFAULT)) {
            throw new ValidationException("the default tier always exists and cannot be deleted");
        }
        Versioned<Tier> existing = store.get(Tier.class, name)
                .orElseThrow(() -> new ValidationException("Tier '" + name + "' does not exist"));
        List<Op> ops = new ArrayList<>(List.of(ResourceStore.deleteOp(existing.resource(), existing.revision())));
        for (Class<? extends Resource> kind : List.of(GlobalNetworkPolicy.class, NetworkPolicy.class)) {
            ResourceStore.Listed<? extends Resource> policies = store.listed(kind);
            policies.items().stream().map(Versioned::resource).map(Policy.class::cast)
                    .filter(policy -> policy.spec().tier().equals(name)).findFirst().ifPresent(policy -> {
                        throw new ValidationException("Tier '" + name + "' still holds " + policy.id()
                                + " (delete or move its policies first)");
                    });
            ops.add(ResourceStore.noneNewerOp(kind, policies.revision()));
        }
        store.commit(ops);
        return existing.resource();
    }

}
