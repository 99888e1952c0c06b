package org.jcalico.resources;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Pools;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.nodes.NodeService;
import org.jcalico.policy.ProfileService;

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

    public List<Applied> apply(List<Resource> resources) {
        List<Op> guards = poolGuards(resources);
        Map<String, Resource> byKey = new TreeMap<>();
        for (int i = 0; i < resources.size(); i++) {
            Resource resource = resources.get(i);
            String where = "resource " + (i + 1) + " (" + resource.kind() + " " + resource.name() + ")";
            if (resource instanceof IpamBlock || resource instanceof EndpointStatus || resource instanceof WorkloadEndpoint) {
                throw new ValidationException(where + ": " + resource.kind() + " is written by jcalico itself ("
                        + (resource instanceof WorkloadEndpoint ? "use 'jcalico container add'" : "it cannot be applied") + ")");
            }
            if (byKey.put(Keys.key(resource), resource) != null) {
                throw new ValidationException(where + ": appears twice in the input");
            }
            check(resource, resources, where);
        }
        List<Op> ops = new ArrayList<>();
        List<Applied> applied = new ArrayList<>();
        for (Resource resource : resources) {
            Optional<KeyValue> existing = store.datastore().get(Keys.key(resource));
            if (existing.isEmpty()) {
                ops.add(ResourceStore.createOp(resource));
                applied.add(new Applied("created", resource));
            } else if (ResourceCodec.fromJson(existing.get().value()).equals(resource)) {
                applied.add(new Applied("unchanged", resource));
            } else {
                ops.add(ResourceStore.updateOp(resource, existing.get().modRevision()));
                applied.add(new Applied("updated", resource));
            }
        }
        if (!ops.isEmpty()) {
            ops.addAll(guards);
            store.commit(ops);
        }
        return applied;
    }

    /**
     * Pools are checked against the pools (and, for a block-size change, the blocks) as read after these revisions:
     * the commit fails if any of them changed meanwhile, so two overlapping pools can never both be applied.
     */
    private List<Op> poolGuards(List<Resource> resources) {
        List<IpPool> pools = resources.stream().filter(r -> r instanceof IpPool).map(IpPool.class::cast).toList();
        if (pools.isEmpty()) {
            return List.of();
        }
        ResourceStore.Listed<IpPool> existing = store.listed(IpPool.class);
        List<Op> guards = new ArrayList<>(List.of(ResourceStore.noneNewerOp(IpPool.class, existing.revision())));
        boolean resized = pools.stream().anyMatch(pool -> existing.resources().stream()
                .anyMatch(other -> other.cidr().equals(pool.cidr()) && !other.blockSize().equals(pool.blockSize())));
        if (resized) {
            guards.add(ResourceStore.noneNewerOp(IpamBlock.class, store.datastore().list(Keys.prefix(IpamBlock.class)).revision()));
        }
        return guards;
    }

    private void check(Resource resource, List<Resource> batch, String where) {
        try {
            switch (resource) {
                case IpPool pool -> {
                    List<IpPool> others = new ArrayList<>(store.list(IpPool.class).stream().map(Versioned::resource).toList());
                    batch.stream().filter(r -> r instanceof IpPool && r != resource).map(IpPool.class::cast).forEach(others::add);
                    Pools.checkCanApply(pool, others, store.list(IpamBlock.class).stream().map(Versioned::resource).toList());
                }
                case Profile profile -> {
                    List<Profile> profiles = new ArrayList<>(store.list(Profile.class).stream().map(Versioned::resource).toList());
                    batch.stream().filter(r -> r instanceof Profile).map(Profile.class::cast).forEach(profiles::add);
                    Set<String> tags = ProfileService.tagsOf(profiles);
                    for (Direction direction : Direction.values()) {
                        for (Rule rule : profile.rules(direction)) {
                            ProfileService.checkTags(rule, tags);
                        }
                    }
                }
                case BgpPeer peer -> {
                    if (peer.node() != null && store.get(Node.class, peer.node()).isEmpty()
                            && batch.stream().noneMatch(r -> r instanceof Node n && n.name().equals(peer.node()))) {
                        throw ValidationException.field("node", peer.node(), "is not a known node");
                    }
                }
                default -> { }
            }
        } catch (ValidationException e) {
            throw new ValidationException(where + ": " + e.getMessage());
        }
    }

    /** Deletes one resource, refusing what would leave something dangling. */
    public Resource delete(Class<? extends Resource> kind, String name) {
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
            Node node = store.get(Node.class, name).map(Versioned::resource).orElse(null);
            new NodeService(store).remove(name);
            return node;
        }
        if (kind == WorkloadEndpoint.class || kind == IpamBlock.class || kind == EndpointStatus.class) {
            String instead = kind == WorkloadEndpoint.class ? ": use 'jcalico container remove'"
                    : kind == IpamBlock.class ? ": use 'jcalico ipam release' or 'pool remove'" : "";
            throw new ValidationException("a " + kindName(kind) + " is managed by jcalico itself" + instead);
        }
        Versioned<? extends Resource> existing = store.get(kind, name)
                .orElseThrow(() -> new ValidationException(kindName(kind) + " '" + name + "' does not exist"));
        store.delete(existing.resource(), existing.revision());
        return existing.resource();
    }

    private static String kindName(Class<? extends Resource> kind) {
        return org.jcalico.model.Kinds.names().stream().filter(name -> org.jcalico.model.Kinds.type(name) == kind)
                .findFirst().orElse(kind.getSimpleName());
    }
}
