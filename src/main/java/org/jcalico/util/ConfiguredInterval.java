package org.jcalico.util;

/**
 * The time between two rounds of a thread that works once an interval beside the agent's loop (the intent sweeper,
 * the docker sweeper), as configured now: a round is due at the last one plus the interval configured at this moment,
 * and a waiting thread is woken when the interval changes. Shortened from an hour to seconds it does not wait out the
 * hour, lengthened it does not fire on the old short one (as the loop's own resync, ResyncSchedule; docs/agent.md,
 * "Session 70 (t-sweep)"). Thread-safe: the agent's loop sets it, the threads wait on it.
 */
public final class ConfiguredInterval {
    private long millis;

    public ConfiguredInterval(long millis) {
        this.millis = millis;
    }

    public synchronized long millis() {
        return millis;
    }

    /** The interval configured now; threads waiting for their next round look again at once when it changed. */
    public synchronized void set(long newMillis) {
        if (newMillis != millis) {
            millis = newMillis;
            notifyAll();
        }
    }

    /** Waits until the round after the one at SINCE (System.currentTimeMillis) is due, in the interval configured meanwhile. */
    public synchronized void awaitRoundAfter(long since) throws InterruptedException {
        for (long left = since + millis - System.currentTimeMillis(); left > 0;
             left = since + millis - System.currentTimeMillis()) {
            wait(left);
        }
    }
}
