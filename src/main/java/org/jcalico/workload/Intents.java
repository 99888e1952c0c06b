package org.jcalico.workload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Profile;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.resources.ProfileService;
import org.jcalico.util.Shown;

/**
 * Intent records (see {@link Intent} and docs/ipam.md): one per endpoint at most, so two commands on one container
 * never interleave; written before an attachment's first step and removed after its last, or written in the same
 * commit that deletes an endpoint and removed once its veth and addresses are gone. A record whose owner died is
 * torn down by whoever comes next: `container add` or `container remove` of that container, or the node's agent.
 */
public final class Intents {
    private static final int ATTEMPTS = 50;
    /** Intents this process works on now: held by a live owner, and that owner is us. */
    private static final Set<String> ACTIVE = ConcurrentHashMap.newKeySet();
    /** What docker takes for a short id: the only container ids `container remove` matches by prefix ({@link #matches}). */
    private static final Pattern SHORT_DOCKER_ID = Pattern.compile("[0-9a-f]{12,64}");
    /** An endpoint id as {@link ContainerService#endpointId} makes one. */
    private static final Pattern ENDPOINT_ID = Pattern.compile("[0-9a-f]{16}");
    private final ResourceStore store;
    private final Datastore datastore;
    /**
     * One for this object's life: its rtnetlink thread is reused by every teardown, not started for each. Null when
     * this object undoes only the datastore's part ({@link #takeBackOfRemovedNode}).
     */
    private final VethAttacher veths;

    /**
     * An intent as committed, with the revision that guards its later changes; for an attachment, also the revision of
     * each profile it names as the intent's commit found or made it (the endpoint record's guard, {@link Referenced}).
     */
    public record Held(Intent intent, long revision, Map<String, Long> profiles) {
        public Held {
            profiles = Map.copyOf(profiles);
        }

        Held(Intent intent, long revision) {
            this(intent, revision, Map.of());
        }
    }

    /** @param host runs commands in the node's own namespace, where the host side of each veth is */
    public Intents(ResourceStore store, CommandRunner host) {
        this(store, new VethAttacher(host));
    }

    /** @param veths the host's veths, shared with whoever else attaches and detaches on it */
    Intents(ResourceStore store, VethAttacher veths) {
        this.store = store;
        this.datastore = store.datastore();
        this.veths = veths;
    }

    /**
     * Starts an attachment: creates the profiles that do not exist yet and the intent naming them, in one commit that
     * also requires the endpoint to be absent. A stale intent for the endpoint is torn down first; a live one refuses.
     */
    public Held beginAttach(Intent planned, List<String> profiles, String description) {
        String endpointKey = Keys.nodeKey(WorkloadEndpoint.class, planned.node(), planned.endpointId());
        List<String> names = profiles.stream().distinct().toList();
        List<String> profileKeys = names.stream().map(name -> Keys.keyOf(Profile.class, name)).toList();
        for (int attempt = 1; ; attempt++) {
            // the intent and the profiles in one read; the profiles again if a stale intent was undone meanwhile
            List<String> keys = new ArrayList<>(List.of(planned.key()));
            keys.addAll(profileKeys);
            List<Optional<KeyValue>> read = datastore.getAll(keys);
            List<Optional<KeyValue>> profileRecords = read.subList(1, read.size());
            if (read.getFirst().isPresent()) {
                clearStale(read.getFirst().get(), description);
                profileRecords = datastore.getAll(profileKeys);
            }
            List<String> missing = new ArrayList<>();
            Map<String, Long> found = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                Optional<Versioned<Profile>> profile = ResourceStore.decoded(Profile.class, profileRecords.get(i));
                if (profile.isEmpty()) {
                    missing.add(names.get(i));
                } else {
                    found.put(names.get(i), profile.get().revision());
                }
            }
            Intent intent = planned.withCreatedProfiles(missing).ownedBy(Owner.current());
            List<Op> ops = new ArrayList<>(List.of(new Op.Create(intent.key(), intent.toJson()), new Op.Absent(endpointKey)));
            missing.forEach(name -> ops.add(ResourceStore.createOp(Profile.securityGroup(name))));
            ACTIVE.add(intent.key());
            try {
                long revision = datastore.commit(ops);
                missing.forEach(name -> found.put(name, revision));
                return new Held(intent, revision, found);
            } catch (ConflictException e) {
                ACTIVE.remove(intent.key());
                if (datastore.get(endpointKey).isPresent()) {
                    throw new ValidationException(description + " already has an endpoint on this node (" + planned.endpointId() + ")");
                }
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * Starts a detachment: deletes the endpoint record and writes the intent to remove the rest, in one commit.
     * Empty if the endpoint changed or went meanwhile (read it again).
     */
    public Optional<Held> beginDetach(Versioned<WorkloadEndpoint> endpoint, String description) {
        WorkloadEndpoint e = endpoint.resource();
        Intent intent = new Intent(Intent.Operation.detach, e.node(), e.endpointId(), e.containerId(), e.interfaceName(),
                e.endpointId(), List.of(), Owner.current());
        clearStale(intent.key(), description);
        ACTIVE.add(intent.key());
        try {
            return Optional.of(new Held(intent, datastore.commit(List.of(ResourceStore.deleteOp(e, endpoint.revision()),
                    new Op.Create(intent.key(), intent.toJson())))));
        } catch (ConflictException conflict) {
            ACTIVE.remove(intent.key());
            return Optional.empty();
        }
    }

    /**
     * Removes an endpoint record nobody can read (RECORD) and hands what it may have left to its node: in one commit,
     * guarded by the record's revision, the record goes and an intent to detach it comes, owned by no one, so the
     * node's agent tears it down at its next sweep (its veth, named from its id as every attach names it, then the
     * addresses its id holds: freed only once nothing can use them). An id of another form than jcalico's has no veth
     * nor addresses of jcalico's: the record alone goes. Returns the intent, or empty for such an id.
     */
    public static Optional<Intent> detachUnreadable(ResourceStore store, ResourceStore.Unreadable record) {
        int slash = record.name().indexOf('/');
        String node = record.name().substring(0, slash);
        String endpointId = record.name().substring(slash + 1);
        List<Op> ops = new ArrayList<>(List.of(new Op.Delete(record.key(), record.revision())));
        Optional<Intent> intent = Optional.empty();
        if (ENDPOINT_ID.matcher(endpointId).matches()) {
            String hostInterface = ContainerService.hostInterface(ContainerService.config(store, node).interfacePrefix(), endpointId);
            intent = Optional.of(new Intent(Intent.Operation.detach, node, endpointId, "(unreadable endpoint record)",
                    hostInterface, endpointId, List.of(), null));
            ops.add(new Op.Create(intent.get().key(), intent.get().toJson()));
        }
        try {
            store.commit(ops);
        } catch (ConflictException e) {
            throw new ValidationException("the record " + Shown.value(record.key()) + " changed, or a container command on"
                    + " endpoint " + Shown.value(endpointId) + " is under way; nothing was changed: look again");
        }
        return intent;
    }

    /** The attachment is complete: its record goes, and with it the means to undo it. */
    public void finish(Held held) {
        try {
            datastore.delete(held.intent().key(), held.revision());
        } finally {
            ACTIVE.remove(held.intent().key());
        }
    }

    /**
     * Undoes everything the intent names; each step is idempotent, so a teardown cut short is simply done again by
     * the next one. If it fails, the intent is left without an owner for the next command or the agent to finish.
     * Without veths (a removed node's intents) the veth is left: it is the node's host's, not this one's.
     */
    public void tearDown(Held held) {
        Intent intent = held.intent();
        try {
            String endpointKey = Keys.nodeKey(WorkloadEndpoint.class, intent.node(), intent.endpointId());
            // while the intent exists no one else can create this endpoint: if it is there, this attachment made it
            datastore.get(endpointKey).ifPresent(endpoint -> datastore.commit(List.of(
                    new Op.Delete(endpointKey, endpoint.modRevision()), new Op.Unchanged(intent.key(), held.revision()))));
            if (veths != null) {
                veths.detach(intent.hostInterface());
            }
            CrashPoint.reach("teardown-veth");
            new Ipam(store).releaseHandle(intent.handle());
            removeCreatedProfiles(intent);
            datastore.delete(intent.key(), held.revision());
        } catch (RuntimeException e) {
            try {
                datastore.update(intent.key(), intent.ownedBy(null).toJson(), held.revision());
            } catch (RuntimeException unrecorded) {
                e.addSuppressed(unrecorded);
            }
            throw e;
        } finally {
            ACTIVE.remove(intent.key());
        }
    }

    /**
     * For `node remove`, once the node is gone: its agent, which would have swept its intents, goes with it, so the
     * addresses and profiles of those no live process of this host holds are taken back here (a detach intent that
     * `jcalico delete WorkloadEndpoint` wrote, a command that died on the node's host), and the intents deleted; the
     * veths are the node's host's, which this process may not run on, and are left (docs/ipam.md, session 50 c-log).
     */
    public static List<Intent> takeBackOfRemovedNode(ResourceStore store, String node, List<RuntimeException> failures) {
        return new Intents(store, (VethAttacher) null).recoverStale(node, null, failures);
    }

    /** What one listing of a node's intents found: those whose owner was gone, torn down, and one a live command holds. */
    public record Settled(List<Intent> recovered, Optional<Intent> underWay) {
    }

    /**
     * Tears down every intent of the node whose owner is gone (optionally only those of one container); returns them.
     * A teardown that fails is left for the next call.
     */
    public List<Intent> recoverStale(String node, String containerId, List<RuntimeException> failures) {
        return settle(node, containerId, failures).recovered();
    }

    /**
     * {@link #recoverStale}, and in the same listing an intent a live command holds (an attach or detach under way,
     * whose endpoint may yet be written or removed), if any. Intents that cannot be read are the agent's sweep's to
     * report: they must not stop a command on another container.
     */
    public Settled settle(String node, String containerId, List<RuntimeException> failures) {
        List<Intent> recovered = new ArrayList<>();
        Intent underWay = null;
        for (KeyValue record : datastore.list(Keys.INTENTS + node + "/").items()) {
            Intent intent;
            try {
                intent = Intent.fromJson(record.key(), record.value());
            } catch (DatastoreException unreadable) {
                if (containerId == null) {
                    failures.add(unreadable);
                }
                continue;
            }
            if (containerId != null && !matches(intent.containerId(), containerId)) {
                continue;
            }
            if (live(intent)) {
                underWay = underWay == null ? intent : underWay;
                continue;
            }
            Optional<Held> claimed = claim(record);
            if (claimed.isPresent()) {
                try {
                    tearDown(claimed.get());
                    recovered.add(intent);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
        }
        return new Settled(recovered, Optional.ofNullable(underWay));
    }

    /** Why DESCRIPTION cannot be changed now: OTHER, held by a live command. */
    static String heldBy(Intent other, String description) {
        return description + " is being " + (other.operation() == Intent.Operation.attach ? "attached" : "detached")
                + " by another command (pid " + other.owner().pid() + "); try again when it has finished";
    }

    /**
     * The way `container remove` matches a container: by its id, or by a docker id's first 12 or more hex digits, as
     * docker takes them. Only an id of hex digits: a name such as netns:web-1 begins others (netns:web-12), which it
     * must not remove.
     */
    static boolean matches(String containerId, String given) {
        return containerId.equals(given) || (SHORT_DOCKER_ID.matcher(given).matches() && containerId.startsWith(given));
    }

    /**
     * Whether a given id may begin more than one container's id: a docker short id, fewer than docker's 64 hex digits
     * (docker refuses one that begins two containers' ids, and so does `container remove`).
     */
    static boolean isPrefix(String given) {
        return SHORT_DOCKER_ID.matcher(given).matches() && given.length() < 64;
    }

    /** The ids of the containers with an unfinished command on the node that the given id matches ({@link #matches}). */
    Set<String> containerIds(String node, String given) {
        Set<String> ids = new java.util.TreeSet<>();
        for (KeyValue record : datastore.list(Keys.INTENTS + node + "/").items()) {
            try {
                String containerId = Intent.fromJson(record.key(), record.value()).containerId();
                if (matches(containerId, given)) {
                    ids.add(containerId);
                }
            } catch (DatastoreException unreadable) {
                // the agent's sweep reports it; it names no container here
            }
        }
        return ids;
    }

    /** Takes over the intent if its owner is gone; empty if it lives or someone else took it over first. */
    private Optional<Held> claim(KeyValue record) {
        Intent intent = Intent.fromJson(record.key(), record.value());
        if (live(intent)) {
            return Optional.empty();
        }
        Intent mine = intent.ownedBy(Owner.current());
        ACTIVE.add(record.key());
        try {
            return Optional.of(new Held(mine, datastore.update(record.key(), mine.toJson(), record.modRevision())));
        } catch (ConflictException e) {
            ACTIVE.remove(record.key());
            return Optional.empty();
        }
    }

    private static boolean live(Intent intent) {
        Owner owner = intent.owner();
        return owner != null && owner.alive() && (!owner.runsHere() || ACTIVE.contains(intent.key()));
    }

    /** Tears down a stale intent at the key; refuses if a live command holds it. */
    private void clearStale(String key, String description) {
        datastore.get(key).ifPresent(record -> clearStale(record, description));
    }

    private void clearStale(KeyValue record, String description) {
        Intent other = Intent.fromJson(record.key(), record.value());
        if (live(other)) {
            throw new ValidationException(heldBy(other, description));
        }
        claim(record).ifPresent(this::tearDown);
    }

    /** A profile this attachment created goes again unless someone changed it or an endpoint uses it since. */
    private void removeCreatedProfiles(Intent intent) {
        if (intent.createdProfiles().isEmpty()) {
            return;
        }
        long created = datastore.get(intent.key()).map(KeyValue::createRevision).orElse(-1L);
        ProfileService profiles = new ProfileService(store);
        for (String name : intent.createdProfiles()) {
            Optional<Versioned<Profile>> profile = store.get(Profile.class, name);
            if (profile.isPresent() && profile.get().revision() == created) {
                try {
                    profiles.remove(name);
                } catch (ValidationException | ConflictException e) {
                    // in use, or changed just now: it stays
                }
            }
        }
    }
}
