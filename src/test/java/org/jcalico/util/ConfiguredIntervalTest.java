package org.jcalico.util;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A round's wait follows the interval configured while it waits. */
class ConfiguredIntervalTest {
    @Test
    void aWaitEndsAsSoonAsTheIntervalIsShortenedPastIt() throws Exception {
        ConfiguredInterval interval = new ConfiguredInterval(3_600_000);
        CountDownLatch due = new CountDownLatch(1);
        long since = System.currentTimeMillis();
        Thread waiting = Thread.ofVirtual().start(() -> {
            try {
                interval.awaitRoundAfter(since);
                due.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertFalse(due.await(200, TimeUnit.MILLISECONDS), "an hour is not up");
            interval.set(1);
            // woken at once; 5 s leaves room at load 10
            assertTrue(due.await(5, TimeUnit.SECONDS), "shortened past the time waited: the round is due");
        } finally {
            waiting.interrupt();
            waiting.join(5_000);
        }
    }
}
