package org.jcalico.datastore.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.datastore.WatchListener;

/**
 * Follows the event log for all watches of one store, on one daemon thread with its own connection. It looks when
 * the file was written: by this process (the commit wakes it) or by another ({@link FileWrites}, the kernel's report),
 * and SQLite's data_version then tells whether anyone committed since the last look. With the kernel's reports it
 * looks once a second all the same, in case one was lost. Without them (the kernel refused the process an inotify
 * instance: a user has 128, shared with all its programs) it looks 5 ms after a change and, while nothing changes,
 * twice as long after each look up to {@value #UNREPORTED_IDLE_POLL_MILLIS} ms, and asks the kernel again every
 * {@value #ASK_AGAIN_MILLIS} ms: looking every 5 ms cost an idle agent 23 ms of CPU a second (on the PVM guest of
 * session 32, where a thread's wake from a timed park alone costs 30-140 us, 5 ms of CPU a second at 100 ms), and
 * failed CI's idle-watcher test on a machine whose instances ran out. Each look also has the store check that the path
 * still names the file it opened: when another file was moved over it (a restored backup), every watcher is told to
 * resync and the poller reads the new file; while there is none, it waits for one. A poll runs under the store's
 * lock, so that no connection of this process is open on the old file when one is opened on the new: SQLite finds
 * the journal (-wal, -shm) by the path, and a new file must never be read with the old one's.
 *
 * <p>A wake is a flag as well as an unpark: the unpark's permit alone is taken by any park of this thread, and the
 * watchers' listeners run on it (the agent's syncer hands events to its loop through a queue whose lock, when
 * contended, parks): a commit made while a listener ran was then found only at the next look a second later, as a
 * served `container add` in fifty did (docs/agent.md, "A served `container add`", session 31).
 */
final class WatchPoller {
    private static final long POLL_MILLIS = 5;
    private static final long UNREPORTED_IDLE_POLL_MILLIS = 500;
    private static final long ASK_AGAIN_MILLIS = 10_000;
    private static final long REPORTED_POLL_MILLIS = 1000;
    private final EmbeddedDatastore store;
    private final Path path;
    private final OpenMode mode;
    private Connection connection;
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final Thread thread;
    /** The kernel's reports of writes; empty while it refuses them. Replaced only by the poller's thread. */
    private volatile Optional<FileWrites> writes;
    private volatile boolean running = true;
    private volatile boolean newWatcher;
    /** Set by {@link #wake}, cleared by the look that follows it. */
    private final AtomicBoolean woken = new AtomicBoolean();

    WatchPoller(EmbeddedDatastore store, Path path, OpenMode mode) throws SQLException {
        this.store = store;
        this.path = path;
        this.mode = mode;
        this.connection = store.connectBeside();
        // a write reported before the thread is there needs no wake: the thread's first look comes at once
        this.writes = FileWrites.of(path, this::wake);
        this.thread = Thread.ofPlatform().daemon().name("jcalico-watch " + path).start(this::loop);
    }

    Watch add(String prefix, long afterRevision, WatchListener listener) {
        Watcher watcher = new Watcher(prefix, afterRevision, listener);
        watchers.add(watcher);
        newWatcher = true;
        return () -> watchers.remove(watcher);
    }

    /** A commit of this process, or a write the kernel reported: the next look comes now. */
    void wake() {
        woken.set(true);
        LockSupport.unpark(thread);
    }

    void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
            writes.ifPresent(FileWrites::close);
            if (connection != null) {
                EmbeddedDatastore.closeQuietly(connection);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        long seenVersion = -1;
        long generation = store.generation();
        long unreportedPause = POLL_MILLIS;
        long lastAsked = System.nanoTime();
        while (running) {
            try {
                // cleared before the look: a wake from here on is for a commit this look may not see
                woken.set(false);
                synchronized (store) {
                    if (!running) {
                        return;
                    }
                    try {
                        store.followFile();
                    } finally {
                        if (generation != store.generation()) {
                            generation = store.generation();
                            seenVersion = -1;
                            endAll();
                        }
                    }
                    if (connection == null) {
                        connection = store.connectBeside();
                    }
                    long version = dataVersion();
                    boolean changed = version != seenVersion || newWatcher;
                    if (changed) {
                        newWatcher = false;
                        seenVersion = version;
                        deliver();
                    }
                    unreportedPause = changed ? POLL_MILLIS : Math.min(2 * unreportedPause, UNREPORTED_IDLE_POLL_MILLIS);
                }
                if (writes.isEmpty() && System.nanoTime() - lastAsked > ASK_AGAIN_MILLIS * 1_000_000) {
                    lastAsked = System.nanoTime();
                    askForReports();
                }
                boolean reported = writes.isPresent() && writes.get().following();
                if (!pause((reported ? REPORTED_POLL_MILLIS : unreportedPause) * 1_000_000)) {
                    return;
                }
            } catch (SQLException | DatastoreException e) {
                // the file is briefly locked, unreadable or absent; the next poll tries again with nothing lost
                sleepQuietly(100);
            }
        }
    }

    /** Asks the kernel again for reports it refused: another program may have given back its inotify instance. */
    private void askForReports() {
        Optional<FileWrites> asked = FileWrites.of(path, this::wake);
        writes = asked;
        if (!running) {
            // close() may have looked at the field before it was set
            asked.ifPresent(FileWrites::close);
        }
    }

    /** Parks until woken or for {@code nanos}; false when interrupted (closing). */
    private boolean pause(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; !woken.get() && left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                return false;
            }
        }
        return true;
    }

    /** Ends every watch: their revisions belong to the file that was at the path. */
    private void endAll() {
        String reason = "the datastore file " + path + " was "
                + (StoreFile.Identity.of(path) == null ? "removed" : "replaced by another file");
        for (Watcher watcher : watchers) {
            watchers.remove(watcher);
            watcher.listener.onResync(reason);
        }
    }

    /** Called by the store, under its lock, before it opens the file now at the path. */
    void dropConnection() {
        if (connection != null) {
            EmbeddedDatastore.closeQuietly(connection);
            connection = null;
        }
    }

    private long dataVersion() throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("PRAGMA data_version")) {
            row.next();
            return row.getLong(1);
        }
    }

    /** Reads, in one transaction, the history every watcher has not seen yet, and hands each its part. */
    private void deliver() throws SQLException {
        List<Watcher> current = List.copyOf(watchers);
        if (current.isEmpty()) {
            return;
        }
        long from = current.stream().mapToLong(w -> w.after).min().orElseThrow();
        List<WatchEvent> events = new ArrayList<>();
        long compacted;
        long revision;
        try (Statement statement = connection.createStatement()) {
            statement.execute("BEGIN");
            try {
                compacted = EmbeddedDatastore.meta(connection, "compacted");
                revision = EmbeddedDatastore.meta(connection, "revision");
                try (PreparedStatement query = connection.prepareStatement(
                        "SELECT rev, key, value FROM events WHERE rev > ? ORDER BY rev, seq")) {
                    query.setLong(1, Math.max(from, compacted));
                    try (ResultSet row = query.executeQuery()) {
                        while (row.next()) {
                            String value = row.getString(3);
                            events.add(new WatchEvent(value == null ? WatchEvent.Type.DELETE : WatchEvent.Type.PUT,
                                    row.getString(2), value, row.getLong(1)));
                        }
                    }
                }
            } finally {
                statement.execute("COMMIT");
            }
        }
        for (Watcher watcher : current) {
            if (watcher.after > revision) {
                // the file's contents were put back to an older state in place (sqlite3 .restore of a backup)
                watchers.remove(watcher);
                watcher.listener.onResync("the revision of " + path + " went back from " + watcher.after + " to " + revision
                        + " (restored from a backup?)");
                continue;
            }
            if (watcher.after < compacted) {
                watchers.remove(watcher);
                watcher.listener.onResync("revision " + watcher.after + " of " + path + " was compacted (history kept from "
                        + (compacted + 1) + ")");
                continue;
            }
            List<WatchEvent> mine = events.stream()
                    .filter(event -> event.revision() > watcher.after && event.key().startsWith(watcher.prefix)).toList();
            watcher.after = revision;
            if (!mine.isEmpty() && watchers.contains(watcher)) {
                watcher.listener.onEvents(mine);
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Watcher {
        final String prefix;
        final WatchListener listener;
        long after;

        Watcher(String prefix, long after, WatchListener listener) {
            this.prefix = prefix;
            this.after = after;
            this.listener = listener;
        }
    }
}
