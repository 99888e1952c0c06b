package org.jcalico.datastore;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.StoredForm;
import org.jcalico.model.ValidationException;

/** Typed resources over a {@link Datastore}: keys from {@link Keys}, values in their JSON form. */
public final class ResourceStore {
    private final Datastore datastore;

    public ResourceStore(Datastore datastore) {
        this.datastore = datastore;
    }

    public Datastore datastore() {
        return datastore;
    }

    public <T extends Resource> Optional<Versioned<T>> get(Class<T> kind, String name) {
        String key = Keys.keyOf(kind, name);
        if (key == null) {
            // another record of the kind that does not read is not this one's failure
            return survey(kind).items().stream().filter(v -> v.resource().name().equals(name)).findFirst();
        }
        return datastore.get(key).map(kv -> decode(kind, kv));
    }

    /** A record read by key (as {@link Datastore#getAll} hands them), as the resource of the kind. */
    public static <T extends Resource> Optional<Versioned<T>> decoded(Class<T> kind, Optional<KeyValue> record) {
        return record.map(kv -> decode(kind, kv));
    }

    /** A per-node resource by node and name: one read, where {@link #get} would have to list the kind. */
    public <T extends Resource> Optional<Versioned<T>> get(Class<T> kind, String node, String name) {
        return datastore.get(Keys.nodeKey(kind, node, name)).map(kv -> decode(kind, kv));
    }

    public <T extends Resource> List<Versioned<T>> list(Class<T> kind) {
        return list(kind, Keys.prefix(kind));
    }

    public <T extends Resource> List<Versioned<T>> list(Class<T> kind, String prefix) {
        List<Versioned<T>> result = new ArrayList<>();
        for (KeyValue kv : datastore.list(prefix).items()) {
            result.add(decode(kind, kv));
        }
        return result;
    }

    /** Every resource of the kind with the listing's revision, for a {@link Op.NoneNewer} guard on the kind. */
    public <T extends Resource> Listed<T> listed(Class<T> kind) {
        return listed(kind, Keys.prefix(kind));
    }

    /** The resources of the kind under the prefix (one node's endpoints, say) with the listing's revision. */
    public <T extends Resource> Listed<T> listed(Class<T> kind, String prefix) {
        Listing listing = datastore.list(prefix);
        return new Listed<>(listing.items().stream().map(kv -> decode(kind, kv)).toList(), listing.revision());
    }

    /** Resources as of one revision. */
    public record Listed<T extends Resource>(List<Versioned<T>> items, long revision) {
        public Listed {
            items = List.copyOf(items);
        }

        public List<T> resources() {
            return items.stream().map(Versioned::resource).toList();
        }
    }

    public long create(Resource resource) {
        return datastore.commit(List.of(createOp(resource)));
    }

    public long update(Resource resource, long expectedRevision) {
        return datastore.commit(List.of(updateOp(resource, expectedRevision)));
    }

    public long delete(Resource resource, long expectedRevision) {
        return datastore.commit(List.of(deleteOp(resource, expectedRevision)));
    }

    public long commit(List<Op> ops) {
        return datastore.commit(ops);
    }

    public static Op createOp(Resource resource) {
        return new Op.Create(Keys.key(resource), ResourceCodec.toJson(resource));
    }

    public static Op updateOp(Resource resource, long expectedRevision) {
        return new Op.Update(Keys.key(resource), ResourceCodec.toJson(resource), expectedRevision);
    }

    public static Op putOp(Resource resource) {
        return new Op.Put(Keys.key(resource), ResourceCodec.toJson(resource));
    }

    public static Op deleteOp(Resource resource, long expectedRevision) {
        return new Op.Delete(Keys.key(resource), expectedRevision);
    }

    /** A guard: the resource is still at the revision it was read at. */
    public static Op unchangedOp(Versioned<? extends Resource> read) {
        return new Op.Unchanged(Keys.key(read.resource()), read.revision());
    }

    /** A guard: no resource of the kind was created or changed since the listing. */
    public static Op noneNewerOp(Class<? extends Resource> kind, long listingRevision) {
        return new Op.NoneNewer(Keys.prefix(kind), listingRevision);
    }

    /**
     * The record under a key of this kind's key space. A record that is not this kind's JSON (written by hand, by
     * another program, or damaged) is one clear error naming its key, never a ClassCastException.
     */
    private static <T extends Resource> Versioned<T> decode(Class<T> kind, KeyValue kv) {
        Read<T> read = read(kind, kv);
        if (read.problem() != null) {
            throw new DatastoreException("datastore record " + kv.key() + " " + read.problem());
        }
        return read.value();
    }

    /** A record read as a kind: the resource, or why it is not one. */
    private record Read<T extends Resource>(Versioned<T> value, String problem) {
    }

    private static <T extends Resource> Read<T> read(Class<T> kind, KeyValue kv) {
        Resource resource;
        try {
            resource = StoredForm.fromJson(kv.value());
        } catch (ValidationException e) {
            return new Read<>(null, "is not a valid " + kind.getSimpleName() + ": " + e.getMessage());
        }
        if (!kind.isInstance(resource)) {
            return new Read<>(null, holds(resource, kind));
        }
        return new Read<>(new Versioned<>(kind.cast(resource), kv.modRevision()), null);
    }

    /** Why a record under KEY, in KIND's key space, is refused when it holds RESOURCE of another kind. */
    public static String wrongKind(String key, Resource resource, Class<? extends Resource> kind) {
        return "datastore record " + key + " " + holds(resource, kind);
    }

    private static String holds(Resource resource, Class<? extends Resource> kind) {
        return "holds a " + resource.getClass().getSimpleName() + ", not a " + kind.getSimpleName();
    }

    /**
     * A record in KIND's key space that does not read as that kind: under its key (NAME as {@link Keys#keyOf}
     * takes it, or for a per-node kind NODE/NAME), at its revision, and why (unbounded: as the record made it;
     * whoever shows it bounds it).
     */
    public record Unreadable(Class<? extends Resource> kind, String key, String name, long revision, String problem) {
    }

    /** Every record of a kind, those that read and those that do not apart: one bad record hides none of the others. */
    public record Surveyed<T extends Resource>(List<Versioned<T>> items, List<Unreadable> unreadable) {
        public Surveyed {
            items = List.copyOf(items);
            unreadable = List.copyOf(unreadable);
        }

        public List<T> resources() {
            return items.stream().map(Versioned::resource).toList();
        }
    }

    /**
     * Every record of the kind, for an admin's list: where {@link #list} fails on the first record that does not
     * read, this shows it beside the others, so the admin sees it and can delete it ({@link #unreadable}).
     */
    public <T extends Resource> Surveyed<T> survey(Class<T> kind) {
        return survey(kind, Keys.prefix(kind));
    }

    /**
     * The records of the kind under the prefix (one node's endpoints, say), read as {@link #survey(Class)} does: a
     * command on one container reads its node's endpoints so, and one bad record there stops none of the others.
     */
    public <T extends Resource> Surveyed<T> survey(Class<T> kind, String prefix) {
        return surveyed(kind, datastore.list(prefix).items());
    }

    /** Records (a listing's, a read's) as the kind, apart as {@link #survey(Class)} reads them. */
    public static <T extends Resource> Surveyed<T> surveyed(Class<T> kind, List<KeyValue> records) {
        List<Versioned<T>> items = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        for (KeyValue kv : records) {
            Read<T> read = read(kind, kv);
            if (read.problem() == null) {
                items.add(read.value());
            } else {
                unreadable.add(new Unreadable(kind, kv.key(), Keys.nameOf(kind, kv.key()), kv.modRevision(), read.problem()));
            }
        }
        return new Surveyed<>(items, unreadable);
    }

    /**
     * The record of the kind by name when it does not read as the kind; empty when it reads or there is none. A
     * per-node kind's name is NODE/NAME, as its rows show it.
     */
    public Optional<Unreadable> unreadable(Class<? extends Resource> kind, String name) {
        String key = Keys.keyOf(kind, name);
        if (key == null) {
            int slash = name.indexOf('/');
            if (slash <= 0 || slash == name.length() - 1) {
                return Optional.empty();
            }
            key = Keys.nodeKey(kind, name.substring(0, slash), name.substring(slash + 1));
        }
        String read = key;
        return datastore.get(key).flatMap(kv -> {
            String problem = read(kind, kv).problem();
            return problem == null ? Optional.empty()
                    : Optional.of(new Unreadable(kind, read, name, kv.modRevision(), problem));
        });
    }
}
