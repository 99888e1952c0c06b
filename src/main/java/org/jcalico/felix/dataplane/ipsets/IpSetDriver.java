package org.jcalico.felix.dataplane.ipsets;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.IpSetNetlink;
import org.jcalico.kernel.KernelException;

/**
 * Keeps the jc- ipsets as desired with one batch before the iptables update ({@link #fill}) and one after it
 * ({@link #sweep}). Works from what it last wrote; after {@link #forget()} or a failure it reads the kernel back.
 * When a fill is refused, each set is filled again in a batch of its own: one set the kernel will not take (say, a set
 * of that name held by someone else's rule) is reported under its name, and every other set is still filled.
 *
 * <p>Batches go to the kernel in-process over its ipset netlink protocol ({@link IpSetNetlink}): a change of members
 * costs a sendmsg, not a process, and a set written whole goes many members a message, encoded, with no text for a
 * tool to parse. Every member is checked and encoded before anything is sent; the batch stops at its first
 * refused exchange (a swap is sent only once its temporary set was filled without a refusal); a batch whose answers
 * were lost is a failure, never taken for done, and the next pass reads the kernel back. The read-back is a listing
 * over the same protocol, compared with calc's sets as it comes ({@link IpSetReadBack}; docs/dataplane.md, "ipsets").
 */
public final class IpSetDriver {
    /**
     * The failure under which a fill reports the MIXED sets whose change it did not write, the hold not being in force
     * ({@link #fill}): the rules of that change must not be written either, nor the sets loosened.
     */
    public static final String WITHHELD = "ipsets withheld";
    /** The failure of a batch the kernel refused. */
    private static final String REFUSED = "ipset";
    private final IpSetNetlink kernel;
    private IpSetSnapshot programmed;
    /** The later parts of the last fill ({@link IpSetUpdate#later}), written by {@link #loosen} once the rules are in. */
    private final List<IpSetInput> later = new ArrayList<>();
    /** What the kernel's sets are once {@link #later} is written, or null: unknown (read back). */
    private IpSetSnapshot afterLater;
    /**
     * How the rules the kernel may have in force match each set, or null before the agent's first change was taken
     * (the rules in force may be an earlier process's: every set they match counts as mixed); and how the rules of the
     * last fill's change do, which {@link #loosen} makes the ones in force.
     */
    private Map<String, SetPolarity> inForce;
    private Map<String, SetPolarity> coming = Map.of();
    /** The sets a write created, destroyed or swapped since the last {@link #drift} (their seeds are new). */
    private final Set<String> remade = new HashSet<>();
    /** The seed of each jc- set at the last {@link #drift}. */
    private Map<String, Integer> seeds = Map.of();
    /** The maxelem of the sets this driver makes ({@link IpSetPlanner#MAX_ELEMENTS}; smaller only for tests). */
    private int maxElements = IpSetPlanner.MAX_ELEMENTS;

    public IpSetDriver(CommandRunner runner) {
        this.kernel = runner.ipSets();
    }

    /**
     * What the kernel holds is read back next, the hold sets' members too, and the next fill's later part frees them.
     * The polarities in force stay: the kernel's rules are still the last ones it took.
     */
    public void forget() {
        programmed = null;
        later.clear();
    }

    /** Whether the next fill starts from a read-back of the kernel (the first, after {@link #forget()} or a failure). */
    public boolean readsBack() {
        return programmed == null;
    }

    /**
     * The part of the change to DESIRED that goes before the rules (IpSetPlanner#fill), POLARITIES being how the rules
     * about to be written match each set; {@link #loosen} writes the rest once they are in. Unless HOLD_IN_FORCE, no
     * MIXED set's change is written, and such sets are reported under {@link #WITHHELD}.
     */
    public Changes fill(Map<String, IpSetSpec> desired, Map<String, SetPolarity> polarities, boolean holdInForce) {
        later.clear();
        if (inForce != null && inForce != coming) {
            // the last change's rules were refused whole, some of them perhaps taken: either may be in force
            inForce = joined(inForce, coming);
        }
        coming = polarities;
        Changes changes = run(desired,
                snapshot -> IpSetPlanner.fill(desired, inForce, coming, snapshot, holdInForce, maxElements));
        if (!changes.failures().containsKey(REFUSED)) {
            return changes;
        }
        changes = Changes.NONE;
        later.clear();
        for (IpSetSpec set : desired.values()) {
            Changes one = run(Map.of(),
                    snapshot -> IpSetPlanner.fill(Map.of(set.name(), set), inForce, coming, snapshot, holdInForce,
                            maxElements));
            changes = changes.plus(!one.failures().containsKey(REFUSED) ? one
                    : new Changes(one.counts(), Map.of(set.name(), one.failures().get(REFUSED))));
        }
        programmed = null;
        afterLater = null;
        return changes;
    }

    /**
     * Creates SETS, empty, where the kernel has none of the name, and leaves the driver's view unknown, so that the next
     * fill reads the kernel back as it would have: for a cold start's guard, whose rules match calc's empty sets (the
     * hold sets) and would be refused without them, and for the hold rules put into rules an earlier version wrote.
     */
    public Changes create(Collection<IpSetSpec> sets) {
        programmed = null;
        IpSetInput.Builder lines = new IpSetInput.Builder(maxElements);
        sets.forEach(set -> lines.create(set.name(), set, 0, null));
        try {
            write(lines.build());
            return Changes.NONE;
        } catch (KernelException e) {
            return Changes.failure(REFUSED, e.getMessage());
        }
    }

    /**
     * Once the rules of the last fill's change are in (or stayed as they were, unrefused): their polarities are in
     * force, and the fill's later part is written, which loosens sets to their desired members and frees the addresses
     * it held. Not called when the rules were refused whole: the sets stay tightened and held, fail-closed, and the next
     * fill plans from a read-back. A write refused is a failure, and the next fill reads back too.
     */
    public Changes loosen() {
        inForce = coming;
        try {
            for (IpSetInput input : later) {
                write(input);
            }
            if (!later.isEmpty()) {
                programmed = afterLater;
            }
            later.clear();
            return Changes.NONE;
        } catch (KernelException e) {
            forget();
            return Changes.failure(REFUSED, e.getMessage());
        }
    }

    private static Map<String, SetPolarity> joined(Map<String, SetPolarity> one, Map<String, SetPolarity> other) {
        Map<String, SetPolarity> joined = new HashMap<>(one);
        other.forEach((name, polarity) -> joined.merge(name, polarity, SetPolarity::join));
        return Map.copyOf(joined);
    }

    /**
     * Destroys the sets no longer desired. nf_tables frees the matches of the rules it deleted in a work queue after
     * the commit, and a set stays held until then; it finishes that work when a netfilter netlink socket is released,
     * which a restore of its own did on exiting but the long-lived iptables-restore never does, nor this driver's
     * socket while it lives. So a set whose last rule that restore has just deleted could be refused as in use: a
     * sweep that destroys sets releases the driver's socket first ({@link IpSetNetlink#release}). A refusal then
     * retried from a read-back of every set (169,000 members in `bench policy`) cost a policy's removal more than its
     * writes. A refused sweep is still released, planned again from a read-back and written once more; what is
     * refused then is held by someone else's rule, and reported.
     */
    public Changes sweep(Map<String, IpSetSpec> desired) {
        Changes changes = run(Map.of(), snapshot -> {
            IpSetUpdate update = IpSetPlanner.sweep(desired.keySet(), snapshot);
            if (!update.isEmpty()) {
                kernel.release();
            }
            return update;
        });
        if (changes.failures().isEmpty()) {
            return changes;
        }
        kernel.release();
        return run(desired, snapshot -> IpSetPlanner.sweep(desired.keySet(), snapshot));
    }

    /**
     * The kernel's sets, read back over netlink unless the kernel says it holds none at all: whoever made a set, the
     * kernel is asked each time, only more cheaply when the answer is "none" (a cold start's, after the guard).
     */
    public IpSetSnapshot read() {
        return read(Map.of());
    }

    /** The same, each set that holds what KNOWN's set of its name holds read as KNOWN's ({@link IpSetReadBack}). */
    private IpSetSnapshot read(Map<String, IpSetSpec> known) {
        if (!kernel.holdsAnySet()) {
            return IpSetSnapshot.EMPTY;
        }
        return IpSetReadBack.read(kernel, known);
    }

    /** Plans from what the driver last wrote, or else from a read-back in which KNOWN's sets stand for equal ones. */
    private Changes run(Map<String, IpSetSpec> known, Function<IpSetSnapshot, IpSetUpdate> planner) {
        try {
            IpSetUpdate update = planner.apply(programmed != null ? programmed : read(known));
            programmed = null;
            if (!update.isEmpty()) {
                write(update.input());
            }
            if (update.later().isEmpty()) {
                programmed = update.after();
            } else {
                // the kernel's sets are between the before and the after until the later part is written
                later.add(update.later());
                afterLater = update.after();
            }
            return update.changes();
        } catch (KernelException e) {
            return Changes.failure(REFUSED, e.getMessage());
        }
    }

    /** Checks and encodes the whole batch, then sends it: a refusal is the kernel's words and the command refused. */
    private void write(IpSetInput input) {
        remade.addAll(input.remade());
        IpSetNetlink.Refusal refusal = kernel.send(input.batch());
        if (refusal != null) {
            throw new KernelException("ipset refused: " + refusal);
        }
    }

    /**
     * How the kernel's sets differ from what this driver last wrote, as their headers show it ({@link IpSetDrift}: one
     * dump of a message a set, no member read), or null when they do not or it does not know what it wrote (a read-back
     * is due anyway). Between two passes only: during a pass its view is between the before and the after.
     *
     * @throws KernelException when the headers could not be read
     */
    public String drift() {
        if (programmed == null || !later.isEmpty()) {
            seeds = Map.of();
            remade.clear();
            return null;
        }
        IpSetDrift drift = IpSetDrift.between(programmed, kernel.headers(), seeds, remade);
        seeds = drift.seeds();
        remade.clear();
        return drift.differences().isEmpty() ? null : String.join("; ", drift.differences());
    }

    /** For tests: PROBE runs before each message the driver sends and after each batch (see IpSetNetlink). */
    public void probeBetweenMessages(Runnable probe) {
        kernel.probeBetweenMessages(probe);
    }

    /**
     * For tests: the sets made from now on hold at most MAX_ELEMENTS members, and a set of a larger maxelem counts as
     * fitting; the kernel refuses what goes beyond, as it would a set that outgrew {@link IpSetPlanner#MAX_ELEMENTS}.
     */
    public void limitSetsTo(int maxElements) {
        this.maxElements = maxElements;
    }

    /** For tests: the socket is closed once {@code messages} more messages were sent (a batch cut mid-way). */
    void closeMidBatch(int messages) {
        kernel.closeMidBatch(messages);
    }
}
