package org.jcalico.docker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jcalico.log.Log;

/**
 * The work of dockerd's release calls (DeleteEndpoint, ReleaseAddress), done after the call has answered, one item
 * at a time in the order of the calls. dockerd makes these calls while a container exits, and `docker run`, `docker
 * stop` and `docker rm` return only after them; what they release can no longer carry a packet when they come (docker
 * has moved the interface back into the host's namespace, down, between Leave and DeleteEndpoint), so their work
 * need not hold dockerd up. What must not overtake them waits for the queue: a RequestAddress (an address released just
 * before must be free again), a Join into a container that had endpoints (its siblings), the consistency pass, the
 * stopping agent. An item that fails is logged, and what it leaves is the consistency pass's (docs/docker.md).
 */
final class ReleaseQueue {
    /** Beyond this a waiter goes on without the queue: dockerd must never hang on the plugin. */
    static final Duration LONGEST_WAIT = Duration.ofSeconds(10);
    private final Log log;
    private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

    ReleaseQueue(Log log) {
        this.log = log;
    }

    /** Runs {@code work} after every item submitted before it, on a thread of its own. */
    synchronized void submit(String what, Runnable work) {
        // exceptionally: an Error in one item must not keep the later ones from running
        last = last.exceptionally(error -> null).thenRunAsync(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                log.warn(what + " failed after its answer to dockerd (the consistency pass removes what it left): " + e.getMessage());
            }
        }, Thread::startVirtualThread);
    }

    /** Returns once every item submitted so far is done, or after {@link #LONGEST_WAIT}. */
    void awaitDone() {
        CompletableFuture<Void> until;
        synchronized (this) {
            until = last;
        }
        try {
            until.get(LONGEST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("docker release work still under way after " + LONGEST_WAIT.toSeconds() + " s; going on without it");
        } catch (ExecutionException e) {
            // an Error in the last item: it is done all the same
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
