package org.jcalico.testing;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Ends a test JVM in which one test, or one class's set-up or tear-down, has run longer than any can (15 minutes;
 * `-Djcalico.test.hang.seconds=N`): it prints which, with every thread's stack, and halts the JVM, so that its phase
 * fails naming it. A hung test otherwise held CI until its 90-minute limit and reported nothing, and surefire's own
 * fork timeout does not end a JVM whose test waits on a process (SUREFIRE-1722; tried, docs/testing.md, session 52).
 * Registered for every test JVM through the platform's service file, as surefire and failsafe start them.
 */
public final class HungTestWatchdog implements TestExecutionListener {
    private static final Duration CHECK = Duration.ofSeconds(5);
    private final Running running;
    private final AtomicBoolean watching = new AtomicBoolean();

    /** The listener the platform loads: the bound from the system property, the stacks printed, the JVM halted. */
    public HungTestWatchdog() {
        this(new Running(Duration.ofSeconds(Long.getLong("jcalico.test.hang.seconds", 900)), System::nanoTime,
                HungTestWatchdog::halt));
    }

    HungTestWatchdog(Running running) {
        this.running = running;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan plan) {
        // a JVM may run plan after plan (a provider's run per class): one watcher is enough
        if (watching.getAndSet(true)) {
            return;
        }
        Thread.ofPlatform().daemon().name("hung-test-watchdog").start(() -> {
            while (true) {
                try {
                    Thread.sleep(CHECK);
                } catch (InterruptedException e) {
                    return;
                }
                running.check();
            }
        });
    }

    @Override
    public void executionStarted(TestIdentifier test) {
        // the engine's own node spans the whole run: its classes and tests are what is bounded
        if (test.getParentId().isPresent()) {
            running.started(test.getUniqueId(), name(test));
        }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        running.finished(test.getUniqueId());
    }

    private static String name(TestIdentifier test) {
        return test.getSource().map(source -> switch (source) {
            case MethodSource method -> method.getClassName() + "#" + method.getMethodName();
            case ClassSource type -> type.getClassName();
            default -> test.getDisplayName();
        }).orElse(test.getDisplayName());
    }

    /** What runs and since when, and what is done with one past the bound. */
    static final class Running {
        private final Duration bound;
        private final LongSupplier nanoTime;
        private final Consumer<String> overdue;
        private final Map<String, Started> since = new ConcurrentHashMap<>();

        Running(Duration bound, LongSupplier nanoTime, Consumer<String> overdue) {
            this.bound = bound;
            this.nanoTime = nanoTime;
            this.overdue = overdue;
        }

        private record Started(String name, long at) {
        }

        void started(String id, String name) {
            since.put(id, new Started(name, nanoTime.getAsLong()));
        }

        void finished(String id) {
            since.remove(id);
        }

        /**
         * When the longest-running one is past the bound, hands OVERDUE a line saying how long, and what runs (a class,
         * then its test).
         */
        void check() {
            long now = nanoTime.getAsLong();
            List<Started> runs = since.values().stream().sorted(Comparator.comparingLong(Started::at)).toList();
            if (!runs.isEmpty() && now - runs.getFirst().at() > bound.toNanos()) {
                overdue.accept("error: a test has run " + Duration.ofNanos(now - runs.getFirst().at()).toSeconds()
                        + " s, over the " + bound.toSeconds() + " s any takes; this test JVM is ended: "
                        + String.join(" > ", runs.stream().map(Started::name).toList()));
            }
        }
    }

    /** Prints LINE and every thread's stack to the JVM's standard error and to target/, then halts the JVM. */
    private static void halt(String line) {
        StringBuilder report = new StringBuilder(line).append('\n');
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            report.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
            for (StackTraceElement frame : stack) {
                report.append("    at ").append(frame).append('\n');
            }
        });
        try {
            Path file = Path.of("target", "hung-test-" + ProcessHandle.current().pid() + ".txt");
            Files.writeString(file, report, StandardCharsets.UTF_8);
        } catch (IOException e) {
            report.append("(not written under target/: ").append(e.getMessage()).append(")\n");
        }
        // the process's own standard error, not the stream surefire swaps in, which a halt may cut short
        // what the test started (a tool, a JVM) would otherwise outlive it, holding what the next tests need
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
        err.print(report);
        err.flush();
        Runtime.getRuntime().halt(3);
    }
}
