package org.jcalico.agent.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a connection holds its slot, so that the server can give the slot of one that has done nothing for it the longest
 * to a newer connection: since when it has owed the server something (a whole request from its accept or from its last
 * answer on; the taking of an answer that its client has not taken within {@link #ANSWER_GRACE_NANOS}), or that its
 * handler is at work, which is never cut short, or that it has gone. Trickled bytes do not renew it, whole requests do,
 * and those are answered, which is what a client is owed.
 */
final class SlotHold {
    /**
     * How long an answer's write may take before its connection counts as owing: a client that reads takes an answer
     * into the kernel's buffers at once (a write blocks only when they are full), one that does not read holds its
     * slot only this long after its last request.
     */
    static final long ANSWER_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long ANSWERING = Long.MIN_VALUE;
    /** Given up to a newer connection, whose slot it now is. */
    private static final long YIELDED = Long.MIN_VALUE + 1;
    /** Its thread ended, and gave its slot back. */
    private static final long GONE = Long.MIN_VALUE + 2;
    /** System.nanoTime() since when it owes something, which may lie ahead (an answer's grace); or one of the states above. */
    /**
     * A new connection owes its first request only after the answer's grace: every client of these endpoints writes
     * its request at once on connecting. Owing from its accept, the newest connection was the one to cut while every
     * other was being answered, before its request was read: a probe among a local user's requests that each wait for
     * a reading of BIRD was reset (docs/agent.md, "Session 66 (t-local)").
     */
    private final AtomicLong since = new AtomicLong(System.nanoTime() + ANSWER_GRACE_NANOS);

    /** Since when it has owed the server something, if it does by {@code now}; else null. */
    Long owingBy(long now) {
        long owing = since.get();
        return owing > GONE && owing - now <= 0 ? owing : null;
    }

    /** Its request is whole and goes to the handler; false if it has given its slot up already. */
    boolean answering() {
        long owing = since.get();
        return owing > GONE && since.compareAndSet(owing, ANSWERING);
    }

    /** Its answer is being written: it owes the taking of it once the grace is over. */
    void answerBegins() {
        owe(System.nanoTime() + ANSWER_GRACE_NANOS);
    }

    /** Its answer is written: from now it owes its next request. */
    void answerTaken() {
        owe(System.nanoTime());
    }

    private void owe(long from) {
        since.updateAndGet(owing -> owing == YIELDED || owing == GONE ? owing : from);
    }

    /** Gives its slot up to a newer connection, unless it has done something for it since {@code owing} was read. */
    boolean yieldSlot(long owing) {
        return owing > GONE && since.compareAndSet(owing, YIELDED);
    }

    /** Its thread ends: whether the slot is its own to give back (not yielded to a newer connection). */
    boolean leave() {
        return since.getAndSet(GONE) != YIELDED;
    }
}
