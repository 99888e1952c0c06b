package org.jcalico.ipam;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.DatastoreException;

/**
 * Runs a read-check-commit attempt again while its commit's guards fail: each attempt reads afresh, so the next one
 * either commits or meets the check that the concurrent change now makes fail (an overlap, an allocation).
 */
final class Retries {
    private static final int ATTEMPTS = 200;

    private Retries() {
    }

    static <T> T run(Supplier<T> attempt) {
        for (int tries = 1; ; tries++) {
            try {
                return attempt.get();
            } catch (ConflictException e) {
                if (tries == ATTEMPTS) {
                    throw new DatastoreException("IPAM gave up after " + ATTEMPTS + " conflicting attempts: " + e.getMessage());
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(1 + Math.min(tries, 20)));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new DatastoreException("interrupted while allocating");
                }
            }
        }
    }

    static void run(Runnable attempt) {
        run(() -> {
            attempt.run();
            return null;
        });
    }
}
