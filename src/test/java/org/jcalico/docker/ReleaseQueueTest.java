package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release queue keeps a lone endpoint's removal off dockerd's last steps of a container's exit (docs/docker.md,
 * "Session 53 (p-docker)"): an item that settles waits its time unless something waits for the queue, one that does
 * not runs at once, and the order of the calls is kept either way.
 */
class ReleaseQueueTest {
    @TempDir
    Path dir;

    @Test
    void aSettlingItemWaitsItsTimeWhenNothingWaitsForTheQueue() throws Exception {
        ReleaseQueue queue = new ReleaseQueue(log(), Duration.ofMillis(600));
        CountDownLatch ran = new CountDownLatch(1);
        long start = System.nanoTime();
        queue.submit("lone", () -> true, ran::countDown);
        assertFalse(ran.await(300, TimeUnit.MILLISECONDS), "ran before its settling time");
        assertTrue(ran.await(10, TimeUnit.SECONDS), "ran at all");
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(600).toNanos(), "ran after its settling time");
    }

    @Test
    void aWaiterRunsEverySettlingItemAtOnce() {
        ReleaseQueue queue = new ReleaseQueue(log(), Duration.ofSeconds(30));
        List<String> ran = new CopyOnWriteArrayList<>();
        queue.submit("first", () -> true, () -> ran.add("first"));
        queue.submit("second", () -> true, () -> ran.add("second"));
        long start = System.nanoTime();
        queue.awaitDone();
        assertEquals(List.of("first", "second"), ran);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "a RequestAddress does not wait for the settling");
    }

    @Test
    void anItemThatDoesNotSettleRunsAtOnceAfterThoseBeforeIt() throws Exception {
        ReleaseQueue queue = new ReleaseQueue(log(), Duration.ofSeconds(30));
        CountDownLatch ran = new CountDownLatch(1);
        queue.submit("with siblings", () -> false, ran::countDown);
        assertTrue(ran.await(10, TimeUnit.SECONDS), "ran without settling");

        List<String> order = new CopyOnWriteArrayList<>();
        queue.submit("failing question", () -> {
            throw new IllegalStateException("store closed");
        }, () -> order.add("failing question"));
        queue.submit("after", () -> false, () -> order.add("after"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (order.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of("failing question", "after"), order, "a question that fails settles nothing; the order is kept");
    }

    private Log log() {
        return Log.open(dir.resolve("plugin.log"), false, "info");
    }
}
