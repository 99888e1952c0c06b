package org.jcalico.felix.dataplane.ipsets;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.IpSetSpec;
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
 * were lost is a failure, never taken for done, and the next pass reads the kernel back. The read-back stays
 * {@code ipset save} (docs/dataplane.md, "ipsets").
 */
public final class IpSetDriver {
    private final CommandRunner runner;
    private final IpSetNetlink kernel;
    private IpSetSnapshot programmed;

    public IpSetDriver(CommandRunner runner) {
        this.runner = runner;
        this.kernel = runner.ipSets();
    }

    public void forget() {
        programmed = null;
    }

    /** Whether the next fill starts from a read-back of the kernel (the first, after {@link #forget()} or a failure). */
    public boolean readsBack() {
        return programmed == null;
    }

    public Changes fill(Map<String, IpSetSpec> desired) {
        Changes changes = run(desired, snapshot -> IpSetPlanner.fill(desired, snapshot));
        if (changes.failures().isEmpty()) {
            return changes;
        }
        changes = Changes.NONE;
        for (IpSetSpec set : desired.values()) {
            Changes one = run(Map.of(), snapshot -> IpSetPlanner.fill(Map.of(set.name(), set), snapshot));
            changes = changes.plus(one.failures().isEmpty() ? one
                    : new Changes(one.counts(), Map.of(set.name(), one.failures().get("ipset"))));
        }
        programmed = null;
        return changes;
    }

    /**
     * Destroys the sets no longer desired. nf_tables frees the matches of the rules it deleted in a work queue after
     * the commit, and a set stays held until then; it finishes that work when a process releases a netfilter netlink
     * socket, which a restore of its own did on exiting but the long-lived iptables-restore never does. So a set
     * whose last rule that restore has just deleted can be refused as in use (and the driver's own netlink socket is
     * long-lived too): a refused sweep is planned again from a read-back, whose ipset process releases its socket on
     * exiting, and written once more. What is refused then is held by someone else's rule, and reported.
     */
    public Changes sweep(Map<String, IpSetSpec> desired) {
        Changes changes = run(Map.of(), snapshot -> IpSetPlanner.sweep(desired.keySet(), snapshot));
        return changes.failures().isEmpty() ? changes
                : run(Map.of(), snapshot -> IpSetPlanner.sweep(desired.keySet(), calcsWhereEqual(snapshot, desired)));
    }

    /**
     * A read-back with each set that holds exactly what calc desires replaced by calc's object, which the driver kept
     * before the read-back: the read-back's copies of the members stayed the driver's view until the set next changed
     * (after `bench policy`, 170,000 member strings, 10 MB), and a changed set made from calc's object is written from
     * what changed rather than from a comparison of the whole set (MemberSet#madeFrom).
     */
    private static IpSetSnapshot calcsWhereEqual(IpSetSnapshot read, Map<String, IpSetSpec> desired) {
        Map<String, IpSetSpec> sets = new HashMap<>(read.sets());
        sets.replaceAll((name, set) -> set.equals(desired.get(name)) ? desired.get(name) : set);
        return new IpSetSnapshot(sets, read.misfits());
    }

    /**
     * The kernel's sets, read by {@code ipset save} unless the kernel says it holds none at all: whoever made a set, the
     * kernel is asked each time, only more cheaply when the answer is "none" (a cold start's, after the guard).
     */
    public IpSetSnapshot read() {
        return read(Map.of());
    }

    /** The same, each set that holds what KNOWN's set of its name holds read as KNOWN's ({@link IpSetSaveParser}). */
    private IpSetSnapshot read(Map<String, IpSetSpec> known) {
        if (!kernel.holdsAnySet()) {
            return IpSetSnapshot.EMPTY;
        }
        return IpSetSaveParser.parse(runner.run("ipset", "save").check().stdout(), known);
    }

    /** Plans from what the driver last wrote, or else from a read-back in which KNOWN's sets stand for equal ones. */
    private Changes run(Map<String, IpSetSpec> known, Function<IpSetSnapshot, IpSetUpdate> planner) {
        try {
            IpSetUpdate update = planner.apply(programmed != null ? programmed : read(known));
            programmed = null;
            if (!update.isEmpty()) {
                write(update.input());
            }
            programmed = update.after();
            return update.changes();
        } catch (KernelException e) {
            return Changes.failure("ipset", e.getMessage());
        }
    }

    /** Checks and encodes the whole batch, then sends it: a refusal is the kernel's words and the command refused. */
    private void write(IpSetInput input) {
        IpSetNetlink.Refusal refusal = kernel.send(input.batch());
        if (refusal != null) {
            throw new KernelException("ipset refused: " + refusal);
        }
    }

    /** For tests: the socket is closed once {@code messages} more messages were sent (a batch cut mid-way). */
    void closeMidBatch(int messages) {
        kernel.closeMidBatch(messages);
    }
}
