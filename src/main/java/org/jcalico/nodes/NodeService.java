package org.jcalico.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Retries;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.NodeAddressesOutsidePools;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;
import org.jcalico.workload.Intent;
import org.jcalico.workload.Intents;

/** Registering hosts as nodes, and removing them once they have no endpoints left. */
public final class NodeService {
    private final ResourceStore store;

    public NodeService(ResourceStore store) {
        this.store = store;
    }

    /**
     * Creates the node, or updates it if its addresses or AS changed; returns the revision of that write, 0 when the
     * node was stored as wanted already. Reads every node to check the addresses, and writes guarded by no node having
     * been written since: of registrations of one address at once, one commits and the others read the nodes again and
     * find the address taken (docs/datastore.md, "What an agent lists and watches", session 39). An address inside a
     * pool is refused alike, guarded by no pool written since (docs/ipam.md, session 58).
     */
    public long register(String name, IpAddress ipv4, IpAddress ipv6, Long asNumber) {
        Node wanted = new Node(name, ipv4, ipv6, asNumber);
        return Retries.run(() -> {
            ResourceStore.Listed<Node> nodes = store.listed(Node.class);
            checkAddressesFree(wanted, nodes.resources());
            if (nodes.resources().contains(wanted)) {
                // stored before pools were checked against nodes, it may lie in one: the agent's status says so
                return 0L;
            }
            ResourceStore.Listed<IpPool> pools = store.listed(IpPool.class);
            NodeAddressesOutsidePools.checkNode(wanted, pools.resources());
            // a Put: the guard says the node is as read (or absent), and one deleted since may come back; a pool
            // added since the listing could cover its address
            return store.commit(List.of(ResourceStore.putOp(wanted), addressesGuard(nodes.revision()),
                    ResourceStore.noneNewerOp(IpPool.class, pools.revision())));
        });
    }

    /**
     * The guard a write of nodes checked by {@link #checkAddressesFree} against the nodes listed at the revision
     * commits with: no node was created or changed since, so two writers can never both take one address (the
     * registration here, `jcalico apply` of nodes in ResourceService).
     */
    public static Op addressesGuard(long nodesListedAt) {
        return ResourceStore.noneNewerOp(Node.class, nodesListedAt);
    }

    /**
     * Fails if another node has one of the node's addresses: BGP names a session by its peer's address, and two
     * nodes at one address would give every other node's BIRD two sessions of one name, which it refuses.
     */
    public static void checkAddressesFree(Node node, Collection<Node> nodes) {
        for (Node other : nodes) {
            if (other.name().equals(node.name())) {
                continue;
            }
            for (IpAddress address : new IpAddress[] {node.ipv4(), node.ipv6()}) {
                if (address != null && (address.equals(other.ipv4()) || address.equals(other.ipv6()))) {
                    throw ValidationException.field(address.version() == 4 ? "ipv4" : "ipv6", address,
                            "is already the address of node '" + other.name() + "'");
                }
            }
        }
    }

    /** What a `node remove` removed. */
    public enum Removed {
        /** the node's record, with its blocks */
        NODE,
        /** the node's record, which could not be read ({@link Removal#unreadable} says why), with its blocks */
        UNREADABLE_NODE,
        /** only the blocks of a name no node has (left by an older jcalico): no record was there */
        BLOCKS_OF_UNREGISTERED_NAME,
        /** only the unfinished container commands of a name no node has (a removal before session 50 left them) */
        COMMANDS_OF_UNREGISTERED_NAME
    }

    /**
     * What a `node remove` did, and the node's unfinished container commands whose addresses it took back
     * ({@link Intents#takeBackOfRemovedNode}); FAILURES: those it could not, left for another `node remove`.
     * UNREADABLE: why the node's record that was removed could not be read (null unless {@link Removed#UNREADABLE_NODE}).
     */
    public record Removal(Removed removed, List<Intent> takenBack, List<RuntimeException> failures, String unreadable) {
        public Removal {
            takenBack = List.copyOf(takenBack);
            failures = List.copyOf(failures);
        }
    }

    /**
     * Deletes the node unless it has endpoints, and gives up its IPAM blocks; guarded by none of its endpoints written
     * since they were counted, so an endpoint stored meanwhile (a `container add` on it) makes it count again. The
     * add's side is guarded too: its endpoint record requires the node as it read it (docs/datastore.md, session 41).
     * A node of more blocks than one commit may hold gives them up in steps, the node goes with the last share
     * (docs/ipam.md, "The invariants and their guards", session 41, n-blocks). A name no node has but blocks are
     * affine to (a store an older jcalico wrote) has those blocks given up alike, each step guarded by the name
     * still having no record (session 42). Once the node is gone, so is the agent that would sweep its unfinished
     * container commands: their addresses are taken back then (session 50, c-log), and again by a later `node remove`
     * of the name while any is left.
     */
    public Removal remove(String name) {
        // a step that does not finish gives up blocks, so the steps end
        Step removed = Retries.runSteps(() -> removeStep(name));
        List<RuntimeException> failures = new ArrayList<>();
        List<Intent> takenBack = Intents.takeBackOfRemovedNode(store, name, failures);
        return new Removal(removed.removed(), takenBack, failures, removed.unreadable());
    }

    /** What the last step of a removal removed; UNREADABLE as in {@link Removal}. */
    private record Step(Removed removed, String unreadable) {
    }

    /**
     * One commit of a removal: the node with its last blocks, or a share of its blocks only (empty: not finished). The
     * node's record is removed whether it reads or not (written by hand, by a newer jcalico, damaged: it is the name's
     * all the same, and nothing else removes it with the blocks), guarded by the revision it was read at.
     */
    private Optional<Step> removeStep(String name) {
        String endpointsOfNode = Keys.nodePrefix(WorkloadEndpoint.class, name);
        Optional<ResourceStore.Unreadable> unread = store.unreadable(Node.class, name);
        Optional<Long> revision = unread.isPresent() ? unread.map(ResourceStore.Unreadable::revision)
                : store.get(Node.class, name).map(Versioned::revision);
        // a record under the node's key that cannot be read is one of its endpoints all the same: it is counted
        Listing endpoints = store.datastore().list(endpointsOfNode);
        Ipam.NodeBlocks blocks = new Ipam(store).blocksOfNode(name);
        if (revision.isEmpty() && blocks.shares().isEmpty()) {
            if (store.datastore().list(Keys.INTENTS + name + "/").items().isEmpty()) {
                throw new ValidationException("node '" + name + "' does not exist");
            }
            return Optional.of(new Step(Removed.COMMANDS_OF_UNREGISTERED_NAME, null));
        }
        if (!endpoints.items().isEmpty()) {
            List<String> unreadable = ResourceStore.surveyed(WorkloadEndpoint.class, endpoints.items()).unreadable().stream()
                    .map(ResourceStore.Unreadable::key).toList();
            throw new ValidationException("node '" + name + "' still has " + endpoints.items().size() + " endpoint(s)"
                    + (unreadable.isEmpty() ? "; remove them first" : ", " + unreadable.size() + " of them a record that"
                    + " cannot be read (" + Shown.names(unreadable) + "); remove them first ('jcalico delete"
                    + " WorkloadEndpoint NODE/ID' removes one that cannot be read)"));
        }
        // a name no node has is guarded by staying so: a registration meanwhile makes the blocks its node's again
        String key = Keys.keyOf(Node.class, name);
        Op record = revision.<Op>map(read -> new Op.Unchanged(key, read)).orElseGet(() -> new Op.Absent(key));
        List<Op> ops = new ArrayList<>(List.of(new Op.NoneNewer(endpointsOfNode, endpoints.revision())));
        boolean last = blocks.shares().size() <= 1;
        if (last) {
            ops.add(revision.<Op>map(read -> new Op.Delete(key, read)).orElse(record));
            ops.add(blocks.guard());
        } else {
            ops.add(record);
        }
        if (!blocks.shares().isEmpty()) {
            ops.addAll(blocks.shares().getFirst());
        }
        store.commit(ops);
        if (!last) {
            return Optional.empty();
        }
        return Optional.of(unread.map(read -> new Step(Removed.UNREADABLE_NODE, read.key() + " " + read.problem()))
                .orElseGet(() -> new Step(revision.isPresent() ? Removed.NODE : Removed.BLOCKS_OF_UNREGISTERED_NAME, null)));
    }

    /** This host's address of the version: the preferred source address of its default route, if it has one. */
    public static Optional<IpAddress> detectAddress(CommandRunner runner, int version) {
        String probe = version == 4 ? "192.0.2.1" : "2001:db8::1";
        CommandRunner.Result result = runner.run("ip", "-j", "-" + version, "route", "get", probe);
        if (!result.ok()) {
            return Optional.empty();
        }
        try {
            JsonNode routes = new JsonMapper().readTree(result.stdout());
            return routes.isArray() && routes.size() > 0 && routes.get(0).hasNonNull("prefsrc")
                    ? Optional.ofNullable(IpAddress.parseOrNull(routes.get(0).get("prefsrc").asText()))
                    : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
