package org.jcalico.resources;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Retries;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Direction;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;

/** Profiles and their rules, with the checks that keep references sound: tags in rules exist, used profiles stay. */
public final class ProfileService {
    private final ResourceStore store;

    public ProfileService(ResourceStore store) {
        this.store = store;
    }

    /** Creates a profile with the prototype's security-group behaviour; an existing name is an error. */
    public Profile add(String name) {
        Profile profile = Profile.securityGroup(name);
        if (store.get(Profile.class, name).isPresent()) {
            throw new ValidationException("profile '" + name + "' already exists");
        }
        store.create(profile);
        return profile;
    }

    public Versioned<Profile> get(String name) {
        return store.get(Profile.class, name)
                .orElseThrow(() -> new ValidationException("profile '" + name + "' does not exist"));
    }

    /**
     * Deletes the profile unless an endpoint uses it or a rule of another names one of its tags; guarded by no endpoint
     * and no profile written since they were read, so an endpoint stored meanwhile naming it (a `container add`), or a
     * rule naming its tags, makes it read and check again. The add's side is guarded too: its endpoint record requires
     * its profiles as it read them (docs/datastore.md, session 41). A record that cannot be read counts as what it may
     * be: an endpoint of the profile, a profile whose rules name its tags, or (the profile removed) the carrier of any
     * tag no readable profile carries; the profile's own record that cannot be read goes by its revision, as checked
     * (docs/datastore.md, "Session 50 (t-rest)"). Returns that record when it was one, empty when the profile read.
     */
    public Optional<ResourceStore.Unreadable> remove(String name) {
        return Retries.run(() -> {
            Listing profileRecords = store.datastore().list(Keys.prefix(Profile.class));
            ResourceStore.Surveyed<Profile> profiles = ResourceStore.surveyed(Profile.class, profileRecords.items());
            Optional<Versioned<Profile>> current = profiles.items().stream()
                    .filter(profile -> profile.resource().name().equals(name)).findFirst();
            Optional<ResourceStore.Unreadable> unread = profiles.unreadable().stream()
                    .filter(record -> record.name().equals(name)).findFirst();
            if (current.isEmpty() && unread.isEmpty()) {
                throw new ValidationException("profile '" + name + "' does not exist");
            }
            Listing endpointRecords = store.datastore().list(Keys.prefix(WorkloadEndpoint.class));
            ResourceStore.Surveyed<WorkloadEndpoint> endpoints = ResourceStore.surveyed(WorkloadEndpoint.class, endpointRecords.items());
            List<String> users = using(endpoints.resources(), name);
            if (!users.isEmpty()) {
                throw new ValidationException("profile '" + name + "' is used by " + users.size() + " endpoint(s) ("
                        + String.join(", ", users.subList(0, Math.min(3, users.size()))) + (users.size() > 3 ? ", ..." : "")
                        + "); remove them first");
            }
            if (!endpoints.unreadable().isEmpty()) {
                throw new ValidationException("profile '" + name + "' may be used by " + endpoints.unreadable().size()
                        + " endpoint record(s) that cannot be read (" + keys(endpoints.unreadable()) + "); 'jcalico delete"
                        + " WorkloadEndpoint NODE/ID' removes one; nothing was removed");
            }
            List<Profile> others = profiles.resources().stream().filter(p -> !p.name().equals(name)).toList();
            List<ResourceStore.Unreadable> otherUnread = profiles.unreadable().stream()
                    .filter(record -> !record.name().equals(name)).toList();
            if (current.isPresent()) {
                usedTagRemoved(profiles.resources(), others).ifPresent(inUse -> {
                    throw inUse.error();
                });
                Set<String> removed = tagsOf(List.of(current.get().resource()));
                removed.removeAll(tagsOf(others));
                if (!removed.isEmpty() && !otherUnread.isEmpty()) {
                    throw new ValidationException("profile '" + name + "' carries tags (" + String.join(", ", removed)
                            + ") that " + otherUnread.size() + " profile record(s) that cannot be read may name in rules ("
                            + keys(otherUnread) + "); 'jcalico profile remove NAME' or 'jcalico delete Profile NAME'"
                            + " removes one; nothing was removed");
                }
            } else {
                uncarriedTag(others).ifPresent(tag -> {
                    throw new ValidationException("tag '" + tag + "' is named by rules of profile '"
                            + others.stream().filter(p -> ruleTags(p).contains(tag)).findFirst().orElseThrow().name()
                            + "' and carried by no profile that can be read: profile '" + name + "', which cannot be, may"
                            + " carry it; remove those rules first");
                });
                if (!otherUnread.isEmpty()) {
                    throw new ValidationException("profile '" + name + "' cannot be read, so its tags are unknown, and "
                            + otherUnread.size() + " other profile record(s) that cannot be read may name them in rules ("
                            + keys(otherUnread) + "); 'jcalico delete Profile NAME' removes one; nothing was removed");
                }
            }
            Op delete = current.<Op>map(read -> ResourceStore.deleteOp(read.resource(), read.revision()))
                    .orElseGet(() -> new Op.Delete(unread.get().key(), unread.get().revision()));
            store.commit(List.of(delete, ResourceStore.noneNewerOp(Profile.class, profileRecords.revision()),
                    ResourceStore.noneNewerOp(WorkloadEndpoint.class, endpointRecords.revision())));
            return unread;
        });
    }

    /** A tag that a rule of the profiles names and none of them carries. */
    private static Optional<String> uncarriedTag(List<Profile> profiles) {
        Set<String> carried = tagsOf(profiles);
        return profiles.stream().flatMap(profile -> ruleTags(profile).stream()).filter(tag -> !carried.contains(tag)).findFirst();
    }

    private static String keys(List<ResourceStore.Unreadable> records) {
        return Shown.names(records.stream().map(ResourceStore.Unreadable::key).toList());
    }

    /** Inserts the rule at 1-based position {@code at} (null: append). */
    public Profile addRule(String name, Direction direction, Rule rule, Integer at) {
        return Retries.run(() -> {
            ResourceStore.Listed<Profile> all = store.listed(Profile.class);
            Versioned<Profile> current = find(all, name);
            checkTags(rule, tagsOf(all.resources()));
            List<Rule> rules = new ArrayList<>(current.resource().rules(direction));
            int index = at == null ? rules.size() : at - 1;
            if (index < 0 || index > rules.size()) {
                throw ValidationException.field("at", at, "is not a position in 1-" + (rules.size() + 1));
            }
            rules.add(index, rule);
            Profile updated = current.resource().withRules(direction, rules);
            List<Op> ops = new ArrayList<>(List.of(ResourceStore.updateOp(updated, current.revision())));
            ops.addAll(tagGuards(new TreeSet<>(tagsNamed(rule)), all));
            store.commit(ops);
            return updated;
        });
    }

    /**
     * The guards of the tag checks made against the profiles as read: no profile was written since (so no rule naming
     * a tag being taken away was added meanwhile), and a carrier of each tag named is still as read (so it was
     * not deleted meanwhile, which a guard on the kind cannot see). With them, a rule's add and its tag's removal at the
     * same moment cannot both commit (docs/resources.md, session 40). The guard of `profile rule add` and `apply` of
     * profiles; `profile remove`, which names no tag, guards the first way only.
     */
    public static List<Op> tagGuards(Set<String> named, ResourceStore.Listed<Profile> read) {
        // one pass over the profiles (apply may bring 100,000 of them): the first carrier of each tag named
        Map<String, Versioned<Profile>> carrierOf = new HashMap<>();
        for (Versioned<Profile> profile : read.items()) {
            profile.resource().tags().stream().filter(named::contains).forEach(tag -> carrierOf.putIfAbsent(tag, profile));
        }
        Map<String, Op> carriers = new LinkedHashMap<>();
        named.stream().map(carrierOf::get).filter(Objects::nonNull)
                .forEach(carrier -> carriers.putIfAbsent(carrier.resource().name(), ResourceStore.unchangedOp(carrier)));
        List<Op> guards = new ArrayList<>(List.of(ResourceStore.noneNewerOp(Profile.class, read.revision())));
        guards.addAll(carriers.values());
        return guards;
    }

    private static Versioned<Profile> find(ResourceStore.Listed<Profile> all, String name) {
        return all.items().stream().filter(profile -> profile.resource().name().equals(name)).findFirst()
                .orElseThrow(() -> new ValidationException("profile '" + name + "' does not exist"));
    }

    /** Removes the rule at 1-based position {@code number} and returns it. */
    public Rule removeRule(String name, Direction direction, int number) {
        Versioned<Profile> current = get(name);
        List<Rule> rules = new ArrayList<>(current.resource().rules(direction));
        if (number < 1 || number > rules.size()) {
            throw ValidationException.field("rule", number, "is not a " + direction + " rule of profile '" + name
                    + "' (it has " + rules.size() + ")");
        }
        Rule removed = rules.remove(number - 1);
        store.update(current.resource().withRules(direction, rules), current.revision());
        return removed;
    }

    private static List<String> using(List<WorkloadEndpoint> endpoints, String profile) {
        return endpoints.stream().filter(endpoint -> endpoint.profileIds().contains(profile))
                .map(WorkloadEndpoint::endpointId).toList();
    }

    /** Fails unless every tag the rule names is carried by one of the known profiles. */
    public static void checkTags(Rule rule, Set<String> knownTags) {
        if (rule.source().tag() != null && !knownTags.contains(rule.source().tag())) {
            throw ValidationException.field("source.tag", rule.source().tag(), "is not a tag of any profile");
        }
        if (rule.destination().tag() != null && !knownTags.contains(rule.destination().tag())) {
            throw ValidationException.field("destination.tag", rule.destination().tag(), "is not a tag of any profile");
        }
    }

    /** A tag that a profile (the carrier) gave up while rules of another profile (the user) still name it. */
    public record TagInUse(String tag, String carrier, String user) {
        public ValidationException error() {
            return new ValidationException("tag '" + tag + "' of profile '" + carrier + "' is used by rules of profile '"
                    + user + "'; remove those rules first");
        }
    }

    /**
     * A tag that going from the profiles {@code before} to the profiles {@code after} takes away while a rule of a
     * profile in {@code after} still names it: the one check behind both 'profile remove' and 'apply', linear in the
     * number of rules.
     */
    public static Optional<TagInUse> usedTagRemoved(Collection<Profile> before, Collection<Profile> after) {
        Set<String> removed = tagsOf(before);
        removed.removeAll(tagsOf(after));
        if (removed.isEmpty()) {
            return Optional.empty();
        }
        for (Profile user : after) {
            for (String tag : ruleTags(user)) {
                if (removed.contains(tag)) {
                    String carrier = before.stream().filter(p -> p.tags().contains(tag)).map(Profile::name).findFirst().orElseThrow();
                    return Optional.of(new TagInUse(tag, carrier, user.name()));
                }
            }
        }
        return Optional.empty();
    }

    public static Set<String> tagsOf(Collection<Profile> profiles) {
        Set<String> tags = new TreeSet<>();
        profiles.forEach(profile -> tags.addAll(profile.tags()));
        return tags;
    }

    /** The tags the profile's rules name. */
    static Set<String> ruleTags(Profile profile) {
        Set<String> tags = new TreeSet<>();
        for (Direction direction : Direction.values()) {
            for (Rule rule : profile.rules(direction)) {
                tags.addAll(tagsNamed(rule));
            }
        }
        return tags;
    }

    private static List<String> tagsNamed(Rule rule) {
        List<String> tags = new ArrayList<>(2);
        if (rule.source().tag() != null) {
            tags.add(rule.source().tag());
        }
        if (rule.destination().tag() != null) {
            tags.add(rule.destination().tag());
        }
        return tags;
    }
}
