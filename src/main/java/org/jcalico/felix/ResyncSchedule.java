package org.jcalico.felix;

/**
 * When the agent's next full resync (a read-back of the kernel that repairs drift) is due: one interval after the last
 * resync, in the interval configured now, or sooner, a backoff after a pass that failed. The interval is asked for at
 * every turn rather than fixed when a resync is scheduled, so a changed {@code resyncIntervalSeconds} takes effect at
 * once: shortened from an hour to seconds it does not wait out the hour, lengthened it does not fire on the old short
 * schedule. Times in milliseconds on one clock; not thread-safe (the agent's loop alone uses it).
 */
final class ResyncSchedule {
    private long lastResync = Long.MIN_VALUE / 2;
    private long retry = Long.MAX_VALUE;

    /** When the next resync is due, given the interval configured now. */
    long dueAt(long intervalMillis) {
        return Math.min(lastResync + intervalMillis, retry);
    }

    boolean isDue(long now, long intervalMillis) {
        return now >= dueAt(intervalMillis);
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
