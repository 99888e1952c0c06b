package org.jcalico.datastore.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The commits of this process to one store file, whichever {@link EmbeddedDatastore} object made them: the agent
 * runs a delegated `container add` on a store object of its own (opened for the request, as the launcher's JVM would
 * open it), so that command's endpoint record must wake the agent's watch poller, and the agent's status record must
 * wake the command waiting for it, at once rather than at their next polls (5 and 4 ms apart). Commits of other
 * processes are still found by polling. One per file path while a store object has it open.
 */
final class CommitSignal {
    private static final PerPath<CommitSignal> OPEN = new PerPath<>(CommitSignal::new);
    private final Path path;
    private final CopyOnWriteArrayList<WatchPoller> pollers = new CopyOnWriteArrayList<>();
    private long commits;

    private CommitSignal(Path path) {
        this.path = path;
    }

    /** The signal of the file at this path, for a store object that opens it; {@link #release} when it closes. */
    static CommitSignal acquire(Path path) {
        return OPEN.acquire(path);
    }

    void release() {
        OPEN.release(path);
    }

    /** A poller to wake at each commit, until {@link #stopWaking}. */
    void wake(WatchPoller poller) {
        pollers.add(poller);
    }

    void stopWaking(WatchPoller poller) {
        pollers.remove(poller);
    }

    /** A commit that wrote: every poller of this process on the file reads now, every waiter returns. */
    void committed() {
        pollers.forEach(WatchPoller::wake);
        synchronized (this) {
            commits++;
            notifyAll();
        }
    }

    synchronized long commits() {
        return commits;
    }

    /** Returns once a commit follows the {@code seen}-th, or after {@code max}. */
    synchronized void await(long seen, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        for (long left = max.toNanos(); commits == seen && left > 0; left = deadline - System.nanoTime()) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
