package org.jcalico.felix;

/**
 * When the agent's next full resync (a read-back of the kernel that repairs drift) is due: one interval after the last
 * resync, in the interval configured now, or sooner, a backoff after a pass that failed. The interval is asked for at
 * every turn rather than fixed when a resync is scheduled, so a changed {@code resyncIntervalSeconds} takes effect at
 * once: shortened from an hour to seconds it does not wait out the hour, lengthened it does not fire on the old short
 * schedule. A periodic resync due while a container's attachment or detachment on this node is under way
 * ({@link AttachesUnderWay}) waits for it to end, at most {@link #HOLD_MILLIS}: its endpoint record follows within
 * milliseconds, and a resync begun first would hold that record's programming back for the whole read-back of the
 * kernel (docs/agent.md, "Session 62 (d-attach)"). A retry after a failed pass waits for nothing, nor does a resync
 * that another program's commit to nf_tables brought forward ({@link #foreignCommit}). Times in
 * milliseconds on one clock; not thread-safe (the agent's loop alone uses it).
 */
final class ResyncSchedule {
    /** How long past its time a periodic resync waits at most for attachments under way. */
    static final long HOLD_MILLIS = 1000;
    /**
     * How long after another program's commit to nf_tables the resync it brings forward waits: a firewall's reload is
     * a few commits in a row (iptables-restore per family, a script's nft commands), which one resync repairs.
     */
    static final long FOREIGN_SETTLE_MILLIS = 20;
    /**
     * The least time from a resync's end to one that a foreign commit brings forward: a program that commits in a loop
     * (docker at each container's start) costs at most two resyncs a second, and a foreign change is repaired within
     * this (plus the resync's own time) whenever it comes.
     */
    static final long FOREIGN_GAP_MILLIS = 500;

    private long lastResync = Long.MIN_VALUE / 2;
    private long retry = Long.MAX_VALUE;
    /** When the resync a foreign commit brought forward is due (none: MAX_VALUE). */
    private long foreign = Long.MAX_VALUE;
    /** What brought it forward, while one is (else null). */
    private String foreignCause;

    /** When the next resync is due, given the interval configured now and whether an attachment is under way. */
    long dueAt(long intervalMillis, boolean attachmentUnderWay) {
        return Math.min(Math.min(lastResync + intervalMillis + (attachmentUnderWay ? HOLD_MILLIS : 0), retry), foreign);
    }

    boolean isDue(long now, long intervalMillis, boolean attachmentUnderWay) {
        return now >= dueAt(intervalMillis, attachmentUnderWay);
    }

    /**
     * Records a pass that ended at {@code now}: a resync restarts the interval; a failed pass (whether a resync or
     * not) brings the next resync forward to {@code backoffMillis} from now, a good one drops such a retry.
     */
    void passed(long now, boolean resync, boolean ok, long backoffMillis) {
        if (resync) {
            lastResync = now;
            foreign = Long.MAX_VALUE;
            foreignCause = null;
        }
        retry = ok ? Long.MAX_VALUE : now + backoffMillis;
    }

    /**
     * Another program committed to nf_tables at NOW (or changed jcalico's ipsets, seen at a look at their headers): the
     * next resync comes {@link #FOREIGN_SETTLE_MILLIS} later, but not
     * sooner than {@link #FOREIGN_GAP_MILLIS} after the last. Whether this brought it forward (a resync so brought
     * forward and not yet made is not brought forward again). CAUSE says what the other program changed.
     */
    boolean foreignCommit(long now, String cause) {
        if (foreign != Long.MAX_VALUE) {
            return false;
        }
        foreign = Math.max(now + FOREIGN_SETTLE_MILLIS, lastResync + FOREIGN_GAP_MILLIS);
        foreignCause = cause;
        return true;
    }

    /** What brought the next resync forward (another program's change), or null when nothing did. */
    String broughtForwardBy() {
        return foreignCause;
    }

    /** The next turn resyncs (after the datastore is listed afresh, say). */
    void resyncNext() {
        lastResync = Long.MIN_VALUE / 2;
        retry = Long.MAX_VALUE;
    }
}
