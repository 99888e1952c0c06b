package org.jcalico.datastore;

import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Runs a read-check-commit attempt again while its commit's guards fail: each attempt reads afresh, so the next one
 * either commits or meets the check that the concurrent change now makes fail (an overlap, an allocation, an address
 * another node took). The one retry loop of every guarded write (IPAM, pools, nodes, apply, namespaces' labels).
 */
public final class Retries {
    private static final int ATTEMPTS = 200;

    private Retries() {
    }

    public static <T> T run(Supplier<T> attempt) {
        for (int tries = 1; ; tries++) {
            try {
                return attempt.get();
            } catch (ConflictException e) {
                if (tries == ATTEMPTS) {
                    throw new DatastoreException("gave up after " + ATTEMPTS + " attempts, each meeting a concurrent change: " + e.getMessage());
                }
                try {
                    // a short random pause, so that writers that met each other do not meet again at once
                    Thread.sleep(ThreadLocalRandom.current().nextInt(1 + Math.min(tries, 20)));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new DatastoreException("interrupted while retrying a write that met a concurrent change");
                }
            }
        }
    }

    public static void run(Runnable attempt) {
        run(() -> {
            attempt.run();
            return null;
        });
    }

    /**
     * A write too big for one commit, made in steps: each step retried as {@link #run} does, the steps repeated until
     * one gives its result (a pool's or a node's removal, a share of its blocks a commit; empty: not finished). A step
     * that does not finish must still change something, so that the steps end.
     */
    public static <T> T runSteps(Supplier<Optional<T>> step) {
        Optional<T> done;
        do {
            // the next step reads what this one left
            done = run(step);
        } while (done.isEmpty());
        return done.get();
    }
}
