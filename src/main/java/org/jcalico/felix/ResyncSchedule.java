package org.jcalico.felix;

/**
 * When the agent's next full resync (a read-back of the kernel that repairs drift) is due: one interval after the last
 * resync, in the interval configured now, or sooner, a backoff after a pass that failed. The interval is asked for at
 * every turn rather than fixed when a resync is scheduled, so a changed {@code resyncIntervalSeconds} takes effect at
 * once: shortened from an hour to seconds it does not wait out the hour, lengthened it does not fire on the old short
 * schedule. A periodic resync due while a container's attachment or detachment on this node is under way
 * ({@link AttachesUnderWay}) waits for it to end, at most {@link #HOLD_MILLIS}: its endpoint record follows within
 * milliseconds, and a resync begun first would hold that record's programming back for the whole read-back of the
 * kernel (docs/agent.md, "Session 62 (d-attach)"). A retry after a failed pass waits for nothing. Times in
 * milliseconds on one clock; not thread-safe (the agent's loop alone uses it).
 */
final class ResyncSchedule {
    /** How long past its time a periodic resync waits at most for attachments under way. */
    static final long HOLD_MILLIS = 1000;

    private long lastResync = Long.MIN_VALUE / 2;
    private long retry = Long.MAX_VALUE;

    /** When the next resync is due, given the interval configured now and whether an attachment is under way. */
    long dueAt(long intervalMillis, boolean attachmentUnderWay) {
        return Math.min(lastResync + intervalMillis + (attachmentUnderWay ? HOLD_MILLIS : 0), retry);
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
        }
        retry = ok ? Long.MAX_VALUE : now + backoffMillis;
    }

    /** The next turn resyncs (after the datastore is listed afresh, say). */
    void resyncNext() {
        lastResync = Long.MIN_VALUE / 2;
        retry = Long.MAX_VALUE;
    }
}
