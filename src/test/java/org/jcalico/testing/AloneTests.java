package org.jcalico.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestTag;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Runs a class tagged {@value #TAG} with no other test class running in the forks beside it: a test whose bound is a
 * time (a first answer within 2 ms, a page within 1 s, CPU seconds of its own) measures the machine, and a class in
 * the other fork takes one of its two cores. Every class takes a lock shared by the forks of its phase (an fcntl lock
 * on a file under target/, which the kernel drops with the JVM however it ends), shared for an ordinary class and
 * exclusive for one run alone; a turnstile lock taken first by each keeps the classes that follow one another in a
 * fork from starving a class that waits to run alone. With one fork (a single class run, `-Djcalico.test.forks=1`)
 * it does nothing. Registered for every test JVM through the platform's service file.
 */
public final class AloneTests implements TestExecutionListener {
    /** The tag of a class that runs alone. */
    public static final String TAG = "alone";
    private final Path directory;
    private final boolean forked;
    private TestIdentifier holder;
    private FileLock held;

    /** The listener the platform loads: the locks under target/ of the build the forks run in. */
    public AloneTests() {
        this(Path.of("target"), TestFork.current().count() > 1);
    }

    AloneTests(Path directory, boolean forked) {
        this.directory = directory;
        this.forked = forked;
    }

    @Override
    public void executionStarted(TestIdentifier identifier) {
        // the outermost class only: a nested class runs inside its class's turn
        if (!forked || holder != null || !identifier.getSource().map(ClassSource.class::isInstance).orElse(false)) {
            return;
        }
        boolean alone = identifier.getTags().contains(TestTag.create(TAG));
        try (FileChannel turnstile = open("test-forks.turn")) {
            turnstile.lock();  // released as the channel closes, once this class holds its turn
            held = open("test-forks.lock").lock(0, Long.MAX_VALUE, !alone);
        } catch (IOException e) {
            throw new UncheckedIOException("the test forks' lock under " + directory.toAbsolutePath(), e);
        }
        holder = identifier;
    }

    @Override
    public void executionFinished(TestIdentifier identifier, TestExecutionResult result) {
        if (identifier.equals(holder)) {
            try {
                held.channel().close();  // releases the lock
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            held = null;
            holder = null;
        }
    }

    private FileChannel open(String name) throws IOException {
        Files.createDirectories(directory);
        return FileChannel.open(directory.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }
}
