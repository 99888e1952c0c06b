package org.jcalico.felix;

import java.util.stream.LongStream;

/**
 * The agent's repairs of what another program changed in its dataplane (a resync that another program's commit or
 * change to the ipsets brought forward, and that found something to put back), for the status. One repair is an
 * incident, which the log tells; {@link #FOUGHT} within {@link #WINDOW_MILLIS} are a program that keeps changing it (a
 * member re-added in a loop, a firewall reloaded again and again): each change is undone within about a second, but
 * holds until then, again and again, and a status saying "in sync" alone would hide that. Not backed off: a slower
 * repair would let the change hold longer. Immutable; times in milliseconds on one clock.
 */
final class ForeignRepairs {
    static final long WINDOW_MILLIS = 30_000;
    static final int FOUGHT = 3;
    static final ForeignRepairs NONE = new ForeignRepairs(new long[0], null);
    /** When the repairs within the window of the last one ended, oldest first. */
    private final long[] times;
    /** What the other program changed before the last repair. */
    private final String last;

    private ForeignRepairs(long[] times, String last) {
        this.times = times;
        this.last = last;
    }

    /** With a repair at NOW of what CAUSE says another program changed; those out of the window dropped. */
    ForeignRepairs repaired(long now, String cause) {
        return new ForeignRepairs(LongStream.concat(LongStream.of(times).filter(time -> now - time < WINDOW_MILLIS),
                LongStream.of(now)).toArray(), cause);
    }

    /** The status's warning at NOW while another program keeps changing the dataplane, else null. */
    String warning(long now) {
        long recent = LongStream.of(times).filter(time -> now - time < WINDOW_MILLIS).count();
        return recent < FOUGHT ? null : "another program keeps changing jcalico's dataplane: " + recent
                + " repairs in the last " + WINDOW_MILLIS / 1000 + " s, the last of: " + last
                + "; each change holds until its repair (about a second)";
    }
}
