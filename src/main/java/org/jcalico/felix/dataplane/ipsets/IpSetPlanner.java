package org.jcalico.felix.dataplane.ipsets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.util.Sha256;

/**
 * Diffs desired ipsets against a snapshot, in two steps that bracket the iptables update: {@link #fill} creates and
 * updates sets before any rule can refer to them, {@link #sweep} destroys the unwanted ones after rules stopped
 * referring to them. The batch is written as "ipset -exist restore" would write it, so re-adding a member or deleting a missing one is no
 * error.
 */
public final class IpSetPlanner {
    /** Far above any host's needs, and costs nothing: hash sets allocate as they grow. */
    static final int MAX_ELEMENTS = 1 << 20;
    /** A change of more members than this (or a quarter of the set, if larger) is swapped in rather than edited. */
    static final int INCREMENTAL_LIMIT = 64;
    private static final String TEMPORARY_PREFIX = "jc-tmp-";
    /** The number of buckets ipset gives a hash set made without a {@code hashsize}. */
    static final int DEFAULT_HASH_SIZE = 1024;

    private IpSetPlanner() {
    }

    /** The writes that make the kernel's sets DESIRED, with no set matched by a rule: all of them before the rules. */
    public static IpSetUpdate fill(Map<String, IpSetSpec> desired, IpSetSnapshot observed) {
        return fill(desired, Map.of(), Map.of(), observed, true);
    }

    /**
     * The writes that make the kernel's sets DESIRED, in two parts around the rules' restore, so that every state the
     * kernel passes through allows no more than the state before the change (until the rules are in) or the state
     * after it (from then on). A set's polarity is how the rules IN_FORCE and the rules COMING match it, joined; with
     * IN_FORCE null (unknown) every set the kernel has counts as mixed (docs/dataplane.md, "A change and the states
     * the kernel passes through"). The update's input, before the rules: sets
     * no rule in force matches created and filled; in an ALLOWING set the deletes, in a DENYING set the adds (both
     * tighten); in a MIXED set every change, its changed addresses held first ({@link Hold}), and in a set no rule
     * matches every change. Its later part, once the rules are in: the ALLOWING set's adds, the DENYING set's deletes
     * (both loosen; a large change swapped in whole, which from the tightened set only loosens), then the release.
     * Unless HOLD_IN_FORCE, a MIXED set's change is not written at all: the set stays as it is, and the update's
     * changes report it under {@link IpSetDriver#WITHHELD} (the rules of the change must then not be written either).
     */
    public static IpSetUpdate fill(Map<String, IpSetSpec> desired, Map<String, SetPolarity> inForce,
                                   Map<String, SetPolarity> coming, IpSetSnapshot observed, boolean holdInForce) {
        return fill(desired, inForce, coming, observed, holdInForce, MAX_ELEMENTS);
    }

    /**
     * The same, each set made with MAX_ELEMENTS as its maxelem. A set of the right name, type and family whose maxelem
     * is smaller (left by hand, an older version, another program) is replaced by one of MAX_ELEMENTS, swapped in as a
     * large change is, since rules may refer to it (a refused destroy): else it would refuse members for ever.
     */
    static IpSetUpdate fill(Map<String, IpSetSpec> desired, Map<String, SetPolarity> inForce,
                            Map<String, SetPolarity> coming, IpSetSnapshot observed, boolean holdInForce,
                            int maxElements) {
        IpSetInput.Builder lines = new IpSetInput.Builder(maxElements);
        IpSetInput.Builder later = new IpSetInput.Builder(maxElements);
        Hold hold = new Hold(observed, holdInForce);
        Changes changes = Changes.NONE;
        Map<String, IpSetSpec> after = new HashMap<>(observed.sets());
        Set<String> misfits = new HashSet<>(observed.misfits());
        Map<String, Integer> sizes = new HashMap<>(observed.maxElements());
        for (IpSetSpec set : desired.values()) {
            IpSetSpec present = observed.sets().get(set.name());
            if (present != null && present.version() == set.version() && present.type() == set.type()) {
                // a hold set's members are the release's to remove
                Changes updated = HostState.isHoldSet(set.name()) ? enlarge(present, observed, maxElements, hold)
                        : update(present, set, inForce == null ? SetPolarity.MIXED
                                : SetPolarity.join(inForce.get(set.name()), coming.get(set.name())), observed, lines, later,
                                hold, observed.undersized(set.name(), maxElements));
                if (updated.count(Change.SETS_WRITTEN) > 0) {
                    sizes.remove(set.name());
                }
                changes = changes.plus(updated);
            } else {
                sizes.remove(set.name());
                if (observed.contains(set.name())) {
                    lines.destroy(set.name());
                }
                create(set.name(), set, lines);
                changes = changes.plus(Change.SETS_WRITTEN, 1);
            }
            after.put(set.name(), hold.withholds(set.name()) ? present : set);
            misfits.remove(set.name());
        }
        return new IpSetUpdate(hold.before(lines, maxElements).build(), changes.plus(hold.withheld()),
                new IpSetSnapshot(after, misfits, sizes), later.then(hold.release()).build());
    }

    public static IpSetUpdate sweep(Set<String> desired, IpSetSnapshot observed) {
        IpSetInput.Builder lines = new IpSetInput.Builder();
        Map<String, IpSetSpec> after = new HashMap<>();
        observed.sets().forEach((name, set) -> {
            if (desired.contains(name)) {
                after.put(name, set);
            } else {
                lines.destroy(name);
            }
        });
        Map<String, Integer> sizes = new HashMap<>(observed.maxElements());
        sizes.keySet().retainAll(after.keySet());
        Set<String> misfits = new HashSet<>();
        for (String misfit : observed.misfits()) {
            if (desired.contains(misfit)) {
                misfits.add(misfit);
            } else {
                lines.destroy(misfit);
            }
        }
        return new IpSetUpdate(lines.build(), Changes.of(Change.SETS_DELETED, lines.lines()),
                new IpSetSnapshot(after, misfits, sizes), IpSetInput.EMPTY);
    }

    /** The temporary set a large change is filled into before the swap: jc-, within the kernel's 31 characters. */
    static String temporaryName(String name) {
        return TEMPORARY_PREFIX + Sha256.hex(name, (31 - TEMPORARY_PREFIX.length()) / 2);
    }

    /** The hold set PRESENT, swapped for one of MAX_ELEMENTS when the kernel's is smaller ({@link Hold#enlarge}). */
    private static Changes enlarge(IpSetSpec present, IpSetSnapshot observed, int maxElements, Hold hold) {
        if (!observed.undersized(present.name(), maxElements)) {
            return Changes.NONE;
        }
        hold.enlarge(present);
        return Changes.of(Change.SETS_WRITTEN, 1);
    }

    /** UNDERSIZED: PRESENT's maxelem is below the planner's, so it is swapped for a new set even if nothing changed. */
    private static Changes update(IpSetSpec present, IpSetSpec wanted, SetPolarity polarity, IpSetSnapshot observed,
                                  IpSetInput.Builder lines, IpSetInput.Builder later, Hold hold, boolean undersized) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        if (wanted.members() instanceof MemberSet changed && changed.madeFrom(present.members())) {
            changed.added().stream().sorted().forEach(added::add);
            changed.removed().stream().sorted().forEach(removed::add);
        } else if (present.members() != wanted.members()) {
            diff(present.members(), wanted.members(), added, removed);
        }
        int changed = added.size() + removed.size();
        if (changed == 0 && !undersized) {
            return Changes.NONE;
        }
        boolean ordered = polarity == SetPolarity.ALLOWING || polarity == SetPolarity.DENYING;
        if (changed > 0 && polarity == SetPolarity.MIXED && !hold.changing(wanted, added, removed)) {
            return Changes.NONE;
        }
        if (undersized) {
            // the old set may be too small for the tightening edits: a new one takes them, the loosening ones come later
            Set<String> tightened = new HashSet<>(present.members());
            if (polarity == SetPolarity.ALLOWING) {
                tightened.removeAll(removed);
            } else if (polarity == SetPolarity.DENYING) {
                tightened.addAll(added);
            } else {
                tightened = wanted.members();
            }
            swapIn(new IpSetSpec(wanted.name(), wanted.type(), wanted.version(), tightened), observed, lines);
            later.members("add", wanted, polarity == SetPolarity.ALLOWING ? added : List.of());
            later.members("del", wanted, polarity == SetPolarity.DENYING ? removed : List.of());
            return Changes.of(Change.SETS_WRITTEN, 1);
        }
        if (changed > Math.max(INCREMENTAL_LIMIT, wanted.members().size() / 4)) {
            if (ordered) {
                lines.members(polarity == SetPolarity.ALLOWING ? "del" : "add", wanted,
                        polarity == SetPolarity.ALLOWING ? removed : added);
            }
            swapIn(wanted, observed, ordered ? later : lines);
            return Changes.of(Change.SETS_WRITTEN, 1);
        }
        lines.members("del", wanted, polarity == SetPolarity.DENYING ? List.of() : removed);
        lines.members("add", wanted, polarity == SetPolarity.ALLOWING ? List.of() : added);
        later.members("add", wanted, polarity == SetPolarity.ALLOWING ? added : List.of());
        later.members("del", wanted, polarity == SetPolarity.DENYING ? removed : List.of());
        return Changes.of(Change.SET_MEMBERS_ADDED, added.size()).plus(Change.SET_MEMBERS_REMOVED, removed.size());
    }

    /** SET's members filled into a temporary set and swapped in: a set in use cannot be destroyed and made again. */
    static void swapIn(IpSetSpec set, IpSetSnapshot observed, IpSetInput.Builder lines) {
        // a crash between create and destroy may have left the temporary set behind
        String temporary = temporaryName(set.name());
        if (observed.contains(temporary)) {
            lines.destroy(temporary);
        }
        create(temporary, set, lines);
        lines.swap(temporary, set.name());
        lines.destroy(temporary);
    }

    /** Sorted, so that the restore input (and a log of it) reads the same for the same change. */
    private static void diff(Set<String> present, Set<String> wanted, List<String> added, List<String> removed) {
        present.stream().filter(member -> !wanted.contains(member)).sorted().forEach(removed::add);
        // what stays is all of WANTED: nothing added, and a set of codes need not make the text of every member
        if (present.size() - removed.size() != wanted.size()) {
            wanted.stream().filter(member -> !present.contains(member)).sorted().forEach(added::add);
        }
    }

    /**
     * A large hash:net set of IPv4 networks is made with a seed of the agent's ({@link KernelBuckets#INITVAL}) and its
     * members written in the order of their buckets; any other set in {@link IpSetInput#ordered} order of hash codes.
     */
    private static void create(String name, IpSetSpec set, IpSetInput.Builder lines) {
        int buckets = buckets(set.members().size());
        boolean bucketOrder = buckets > DEFAULT_HASH_SIZE && set.type() == IpSetSpec.Type.NET && set.version() == 4;
        lines.create(name, set, hashSize(set.members().size()), bucketOrder ? KernelBuckets.INITVAL : null);
        lines.wholeSet(name, set, bucketOrder
                ? member -> KernelBuckets.order(member, KernelBuckets.INITVAL, buckets) : String::hashCode, bucketOrder
                ? code -> KernelBuckets.order(code, KernelBuckets.INITVAL, buckets) : Long::hashCode);
    }

    /**
     * A set made with MEMBERS members starts with buckets for them: the smallest power of two of at least half as many
     * (the size the kernel grows a set of 100,000 addresses to), when that is above the kernel's default of
     * {@link #DEFAULT_HASH_SIZE}. A set made at the default size and filled rehashes every member each time it grows,
     * which made a 101,040-member set's restore take 1.5 times that of the same members into a set made at its final
     * size (as {@code ipset save} writes it). The kernel still grows a set that outgrows its start.
     */
    static int hashSize(int members) {
        int buckets = buckets(members);
        return buckets > DEFAULT_HASH_SIZE ? buckets : 0;
    }

    /** The buckets of a set made with MEMBERS members: see {@link #hashSize}. */
    private static int buckets(int members) {
        return Math.max(DEFAULT_HASH_SIZE, Integer.highestOneBit(Math.max(1, members / 2 - 1)) << 1);
    }
}
