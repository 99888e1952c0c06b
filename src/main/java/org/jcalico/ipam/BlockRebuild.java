package org.jcalico.ipam;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;

/**
 * An IPAM block whose record cannot be read, written again from what the store still knows, never deleted: the
 * endpoints holding addresses in its CIDR are the truth of which of them are in use, so none of those is handed out
 * again. Its node is the one the affinity index names for it; each address's holder the endpoint's id, or the one
 * other handle the handle index names for the block (docker's, whose endpoints' addresses its handle holds). A holder
 * guessed wrong costs an address left allocated, never one allocated twice. Refused while an endpoint record cannot
 * be read (its addresses would be free in the block) or a container command under way holds addresses of the block
 * (they are in no endpoint record yet, or any more). One commit, guarded by the record's revision, the endpoints' and
 * intents' listings and the pool holding it: whatever changed meanwhile fails it, and nothing is written.
 */
public final class BlockRebuild {
    private final ResourceStore store;
    private final Datastore datastore;

    public BlockRebuild(ResourceStore store) {
        this.store = store;
        this.datastore = store.datastore();
    }

    /**
     * Writes the block RECORD stood for (an unreadable IPAMBlock); returns it as written. Empty, deleting the record
     * instead, when its key is not one of a block's (no allocation reads it, so none can hand out what it held).
     */
    public Optional<IpamBlock> rebuild(ResourceStore.Unreadable record) {
        Cidr cidr = cidrOf(record);
        if (cidr == null || !Keys.key(new IpamBlock(cidr, null, Map.of())).equals(record.key())) {
            store.commit(List.of(new Op.Delete(record.key(), record.revision())));
            return Optional.empty();
        }
        Optional<Versioned<IpPool>> pool = store.survey(IpPool.class).items().stream()
                .filter(p -> p.resource().cidr().contains(cidr)).findFirst();
        Listing endpointListing = datastore.list(Keys.prefix(WorkloadEndpoint.class));
        ResourceStore.Surveyed<WorkloadEndpoint> endpoints = ResourceStore.surveyed(WorkloadEndpoint.class, endpointListing.items());
        if (!endpoints.unreadable().isEmpty()) {
            throw new ValidationException("block " + cidr + " is not rebuilt while endpoint records cannot be read, as the"
                    + " addresses they may hold would be free in it: " + keys(endpoints.unreadable()) + "; 'jcalico delete"
                    + " WorkloadEndpoint NODE/ID' removes one; nothing was changed");
        }
        Set<String> handles = new TreeSet<>();
        indexed(Keys.IPAM_HANDLES, cidr).forEach(escaped -> handles.add(Keys.handleOf(escaped)));
        Listing intents = datastore.list(Keys.INTENTS);
        for (KeyValue entry : intents.items()) {
            // an intent's key ends in its endpoint's id, the handle its addresses are held by
            if (handles.contains(entry.key().substring(entry.key().lastIndexOf('/') + 1))) {
                throw new ValidationException("block " + cidr + " is not rebuilt while a container command under way holds"
                        + " addresses of it (" + Shown.value(entry.key()) + "): try again once it is done (the node's agent"
                        + " finishes one whose command died); nothing was changed");
            }
        }
        Set<String> nodes = indexed(Keys.IPAM_AFFINITIES, cidr);
        Set<String> endpointIds = new TreeSet<>();
        endpoints.resources().forEach(endpoint -> endpointIds.add(endpoint.endpointId()));
        List<String> others = handles.stream().filter(handle -> !endpointIds.contains(handle)).toList();
        IpamBlock block = new IpamBlock(cidr, nodes.size() == 1 ? nodes.iterator().next() : null, Map.of());
        Map<String, Op> entries = new LinkedHashMap<>();
        for (WorkloadEndpoint endpoint : endpoints.resources()) {
            for (Cidr net : endpoint.nets()) {
                if (cidr.contains(net) && block.holderOf(net.network()) == null) {
                    String holder = !handles.contains(endpoint.endpointId()) && others.size() == 1 ? others.getFirst()
                            : endpoint.endpointId();
                    block = block.withAllocation(net.network(), holder);
                    entries.putIfAbsent(holder, IpamIndex.handleOp(holder, cidr));
                }
            }
        }
        List<Op> ops = new ArrayList<>(List.of(ResourceStore.updateOp(block, record.revision()),
                new Op.NoneNewer(Keys.prefix(WorkloadEndpoint.class), endpointListing.revision()),
                new Op.NoneNewer(Keys.INTENTS, intents.revision())));
        pool.ifPresent(read -> ops.add(ResourceStore.unchangedOp(read)));
        ops.addAll(entries.values());
        try {
            store.commit(ops);
        } catch (ConflictException e) {
            throw new ValidationException("block " + cidr + ", its pool, an endpoint or a container command changed while"
                    + " it was being rebuilt; nothing was changed: try again");
        }
        return Optional.of(block);
    }

    /** The CIDR the record's key names, or null: a key no block of jcalico's has. */
    private static Cidr cidrOf(ResourceStore.Unreadable record) {
        try {
            return Cidr.parse(record.name());
        } catch (ValidationException e) {
            return null;
        }
    }

    /** The names (a node, an escaped handle) under which an index (affinities, handles) has an entry for the block. */
    private Set<String> indexed(String index, Cidr block) {
        Set<String> names = new TreeSet<>();
        for (KeyValue entry : datastore.list(index).items()) {
            if (entry.value().equals(block.toString())) {
                names.add(entry.key().substring(index.length(), entry.key().lastIndexOf('/')));
            }
        }
        return names;
    }

    private static String keys(List<ResourceStore.Unreadable> records) {
        return Shown.names(records.stream().map(ResourceStore.Unreadable::key).toList());
    }
}
