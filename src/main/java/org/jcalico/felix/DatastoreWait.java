package org.jcalico.felix;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.LongSupplier;
import org.jcalico.log.Log;

/**
 * The agent waiting for a datastore it cannot reach (a store moved away, its disk not mounted, etcd down), retried
 * every second: every try writes `disconnected` to the status file (its time shows the agent is alive and still
 * trying), but the log says it as a person reads a log: once when the wait begins, again when the reason changes, a
 * reminder every {@link #REMINDER_MILLIS} while it lasts, and once when it ends. Until session 49 both places that
 * wait (the store's open at the agent's start, the listing) logged the same WARN at every try, 3,600 lines an hour.
 */
public final class DatastoreWait {
    /** Long enough not to fill the log, short enough that the log's tail always shows the wait is still on. */
    public static final long REMINDER_MILLIS = 5 * 60_000;
    private final Log log;
    private final AgentStatusFile statusFile;
    private final LongSupplier clock;
    /** When the wait began; 0 while not waiting. */
    private long since;
    private long saidAt;
    /** The reason last said, with what goes on meanwhile. */
    private String reason;
    private int tries;

    public DatastoreWait(Log log, AgentStatusFile statusFile) {
        this(log, statusFile, System::currentTimeMillis);
    }

    DatastoreWait(Log log, AgentStatusFile statusFile, LongSupplier clock) {
        this.log = log;
        this.statusFile = statusFile;
        this.clock = clock;
    }

    /** What goes on while a wait that holds the agent back lasts (its start, a listing): nothing programs the kernel. */
    private static final String KERNEL_UNCHANGED = "retrying every second, kernel state unchanged";
    /**
     * What goes on while the watch cannot reach the store: the loop goes on from its cache, and a resync puts back what
     * another program changed in the kernel (session 70: the log said "kernel state unchanged" meanwhile).
     */
    static final String KERNEL_FROM_CACHE = "the watch retrying; the kernel keeps the cluster as last read, and resyncs"
            + " repair other programs' changes from the agent's cache";

    /** One try that failed for {@code why}; the caller tries again in a second, the kernel unchanged meanwhile. */
    public void failed(String why) {
        failed(why, KERNEL_UNCHANGED);
    }

    /** One try that failed for {@code why}, with what goes on {@code meanwhile} (said with it). */
    void failed(String why, String meanwhile) {
        statusFile.writeOutOfSync(AgentStatusFile.State.disconnected, why);
        long now = clock.getAsLong();
        tries++;
        String said = why + "; " + meanwhile;
        if (since == 0) {
            since = now;
            say("datastore not reachable (" + why + "); " + meanwhile + " (said again when the reason changes, and every "
                    + REMINDER_MILLIS / 60_000 + " min while it lasts)", now);
        } else if (!said.equals(reason)) {
            say("datastore still not reachable, now for another reason (" + why + "); waited " + waited(now) + "; "
                    + meanwhile, now);
        } else if (now - saidAt >= REMINDER_MILLIS) {
            say("datastore still not reachable (" + why + "); waited " + waited(now) + "; " + meanwhile, now);
        }
        reason = said;
    }

    /** The datastore answered: the end of a wait is said once, and nothing when there was none. */
    public void ended() {
        if (since != 0) {
            log.info("datastore reachable again after " + waited(clock.getAsLong()));
            since = 0;
            tries = 0;
            reason = null;
        }
    }

    private String waited(long now) {
        return (now - since) / 1000 + " s (since " + Instant.ofEpochMilli(since).truncatedTo(ChronoUnit.SECONDS) + ", "
                + tries + (tries == 1 ? " try)" : " tries)");
    }

    private void say(String line, long now) {
        log.warn(line);
        saidAt = now;
    }
}
