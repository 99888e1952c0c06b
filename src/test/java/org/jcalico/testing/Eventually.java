package org.jcalico.testing;

import java.util.function.BooleanSupplier;

/** Polls a condition that the system under test makes true asynchronously (an agent, BGP, etcd). */
public final class Eventually {
    private static final long POLL_MILLIS = 100;

    private Eventually() {
    }

    /** True as soon as the condition holds, false if it still does not after the given seconds. */
    public static boolean within(int seconds, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
