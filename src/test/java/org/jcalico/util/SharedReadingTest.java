package org.jcalico.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One reading at a time, each caller given one begun after it asked, and the callers that came meanwhile sharing the next. */
class SharedReadingTest {
    /** Readings numbered from 1, each waiting for a permit; counts how many run at once at most. */
    private static final class Gated {
        final Semaphore permits = new Semaphore(0);
        final Semaphore begun = new Semaphore(0);
        final AtomicInteger readings = new AtomicInteger();
        final AtomicInteger atOnce = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();

        int read() {
            most.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            int number = readings.incrementAndGet();
            begun.release();
            permits.acquireUninterruptibly();
            atOnce.decrementAndGet();
            if (number < 0) {
                throw new IllegalStateException("never");
            }
            return number;
        }
    }

    @Test
    void callersThatAskDuringAReadingShareTheNextOneNeverTheOneUnderWay() throws Exception {
        Gated gated = new Gated();
        SharedReading<Integer> reading = new SharedReading<>(gated::read);
        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(reading, callers);
        gated.begun.acquire();
        List<CompletableFuture<Integer>> later = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            later.add(CompletableFuture.supplyAsync(reading, callers));
        }
        Thread.sleep(100);
        assertEquals(1, gated.readings.get(), "nothing more begins while the first reading runs");
        gated.permits.release();
        assertEquals(1, first.get(5, TimeUnit.SECONDS));
        assertSame(Boolean.TRUE, gated.begun.tryAcquire(5, TimeUnit.SECONDS), "the next reading begins once the first ends");
        gated.permits.release();
        for (CompletableFuture<Integer> caller : later) {
            assertEquals(2, caller.get(5, TimeUnit.SECONDS), "every later caller gets the reading begun after it asked");
        }
        assertEquals(2, gated.readings.get());
        assertEquals(1, gated.most.get(), "one reading at a time");
        gated.permits.release();
        assertEquals(3, reading.get(), "a caller alone gets a reading of its own");
        callers.shutdown();
    }

    @Test
    void aFailedReadingIsEachSharingCallersFailureAndTheNextReadsAgain() {
        AtomicInteger calls = new AtomicInteger();
        SharedReading<String> reading = new SharedReading<>(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("BIRD is not answering");
            }
            return "sessions";
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, reading::get);
        assertEquals("BIRD is not answering", e.getMessage());
        assertEquals("sessions", reading.get());
    }
}
