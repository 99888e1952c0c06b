package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HungTestWatchdogTest {
    private final AtomicLong now = new AtomicLong();
    private final List<String> ended = new ArrayList<>();
    private final HungTestWatchdog.Running running = new HungTestWatchdog.Running(Duration.ofSeconds(900), now::get, ended::add);

    @Test
    void aTestPastTheBoundEndsTheJvmNamingIt() {
        running.started("[class:A]", "A");
        now.addAndGet(Duration.ofSeconds(100).toNanos());
        running.started("[class:A]/[method:hangs()]", "A#hangs");
        now.addAndGet(Duration.ofSeconds(800).toNanos());
        running.check();
        assertEquals(List.of(), ended, "900 s is not over the bound");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        running.check();
        assertEquals(List.of("error: a test has run 901 s, over the 900 s any takes; this test JVM is ended: A > A#hangs"),
                ended, "the class's set-up and its test");
        ended.clear();
        now.addAndGet(-Duration.ofSeconds(1).toNanos());
        running.finished("[class:A]");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        running.check();
        assertEquals(List.of(), ended, "a finished class is no longer bounded; its test has run 801 s");

        now.addAndGet(Duration.ofSeconds(100).toNanos());
        running.check();
        assertEquals(1, ended.size());
        assertTrue(ended.getFirst().startsWith("error: a test has run 901 s, over the 900 s any takes") && ended.getFirst().endsWith("is ended: A#hangs"), ended.getFirst());
    }

    @Test
    void testsThatFinishAreNotBoundedWhateverTheRunsLength() {
        for (int test = 0; test < 100; test++) {
            running.started("t" + test, "t" + test);
            now.addAndGet(Duration.ofSeconds(60).toNanos());
            running.finished("t" + test);
            running.check();
        }
        assertEquals(List.of(), ended);
    }
}
