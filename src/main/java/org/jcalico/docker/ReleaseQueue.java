package org.jcalico.docker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.jcalico.log.Log;

/**
 * The work of dockerd's release calls (DeleteEndpoint, ReleaseAddress), done after the call has answered, one item
 * at a time in the order of the calls. dockerd makes these calls while a container exits, and `docker run`, `docker
 * stop` and `docker rm` return only after them; what they release can no longer carry a packet when they come (docker
 * has moved the interface back into the host's namespace, down, between Leave and DeleteEndpoint), so their work
 * need not hold dockerd up. Nor should it run beside dockerd's last steps of the exit (the sandbox's removal, the
 * container's state), which come after ReleaseAddress and which the agent's removal (commits, the veth's destruction,
 * iptables-restore and ipset) slowed by 20-25 ms on 2 cores (docs/docker.md, "Session 53 (p-docker)"): an item that
 * settles starts {@link #SETTLE} after its call. What must not overtake the queue waits for it, and the waiting
 * starts every item at once: a RequestAddress (an address released just before must be free again), a Join into a
 * container that had endpoints (its siblings), the consistency pass, the stopping agent. An item that fails is
 * logged, and what it leaves is the consistency pass's (docs/docker.md).
 */
final class ReleaseQueue {
    /** Beyond this a waiter goes on without the queue: dockerd must never hang on the plugin. */
    static final Duration LONGEST_WAIT = Duration.ofSeconds(10);
    /**
     * How long after its call an item that settles starts, unless something waits for the queue: dockerd's steps
     * after ReleaseAddress until `docker run` returns take 10-60 ms here, loaded or not.
     */
    static final Duration SETTLE = Duration.ofMillis(100);
    private final Log log;
    private final Duration settle;
    private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
    /** Waiters under way: while there is one, no item settles. */
    private int waiting;

    ReleaseQueue(Log log) {
        this(log, SETTLE);
    }

    ReleaseQueue(Log log, Duration settle) {
        this.log = log;
        this.settle = settle;
    }

    /**
     * Runs {@code work} after every item submitted before it, on a thread of its own, and, when {@code settles} says
     * so on that thread, not before the settling time from now has passed or something waits for the queue.
     */
    synchronized void submit(String what, BooleanSupplier settles, Runnable work) {
        long due = System.nanoTime() + settle.toNanos();
        // exceptionally: an Error in one item must not keep the later ones from running
        last = last.exceptionally(error -> null).thenRunAsync(() -> {
            try {
                if (settles(settles)) {
                    awaitDue(due);
                }
                work.run();
            } catch (RuntimeException e) {
                log.warn(what + " failed after its answer to dockerd (the consistency pass removes what it left): " + e.getMessage());
            }
        }, Thread::startVirtualThread);
    }

    /** A question that fails settles nothing: the work runs at once and meets the failure itself, and logs it. */
    private static boolean settles(BooleanSupplier settles) {
        try {
            return settles.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private synchronized void awaitDue(long due) {
        long left;
        while (waiting == 0 && (left = due - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Returns once every item submitted so far is done, or after {@link #LONGEST_WAIT}; none settles meanwhile. */
    void awaitDone() {
        CompletableFuture<Void> until;
        synchronized (this) {
            until = last;
            waiting++;
            notifyAll();
        }
        try {
            until.get(LONGEST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("docker release work still under way after " + LONGEST_WAIT.toSeconds() + " s; going on without it");
        } catch (ExecutionException e) {
            // an Error in the last item: it is done all the same
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                waiting--;
            }
        }
    }
}
