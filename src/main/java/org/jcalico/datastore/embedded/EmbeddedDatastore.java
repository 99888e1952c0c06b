package org.jcalico.datastore.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchListener;

/**
 * The datastore in one SQLite file, safe for many processes on one machine: WAL journal, writes serialised by
 * SQLite's write lock (BEGIN IMMEDIATE), a revision counter and an event log that watchers in any process follow.
 * The log keeps the latest {@link #HISTORY} revisions; a watcher further behind is told to resync.
 */
public final class EmbeddedDatastore implements Datastore {
    static final long HISTORY = 10_000;
    private static final int SQLITE_FULL = 13;
    private final Path path;
    private final OpenMode mode;
    /**
     * The file this store has open, its journal's files, and the connection to it (also in {@link #connection}); while
     * no file is at the path, the one last open, and no connection (see {@link #followFile}).
     */
    private StoreFile.Opened opened;
    private Connection connection;
    private long generation;
    private WatchPoller poller;
    /** Commits that wrote, made in this process to this file: {@link #awaitCommit} waits on it. */
    private final CommitSignal signal;
    /** Whose journal lies at the path, for every store object of this process on it: each open goes through it. */
    private final PathJournal journal;
    /** How many journals {@link #journal} had removed when this store opened its file. */
    private long removalsSeen;
    private boolean closed;

    private EmbeddedDatastore(Path path, OpenMode mode, boolean create, PathJournal journal) {
        this.path = path;
        this.mode = mode;
        this.journal = journal;
        try {
            PathJournal.Open open = journal.open(path, mode, create);
            this.opened = open.opened();
            this.removalsSeen = open.removals();
        } catch (RuntimeException e) {
            PathJournal.OF.release(path);
            throw e;
        }
        this.connection = opened.connection();
        this.signal = CommitSignal.acquire(path);
    }

    /** For reading and writing; a store that does not exist yet is created. */
    public static EmbeddedDatastore open(Path path) {
        return open(path, OpenMode.WRITE);
    }

    public static EmbeddedDatastore open(Path path, OpenMode mode) {
        return new EmbeddedDatastore(path, mode, true, PathJournal.OF.acquire(path));
    }

    /** For reading and writing a store that is there already: none is created ("there is no datastore"). */
    public static EmbeddedDatastore openExisting(Path path) {
        return new EmbeddedDatastore(path, OpenMode.WRITE, false, PathJournal.OF.acquire(path));
    }

    private Connection connection() {
        followFile();
        return connection;
    }

    /**
     * Keeps this store on the file now at the path. A file moved over the path (a restored backup) is opened afresh
     * once every connection to the old one is closed, never created: a removed file is an error until one is back.
     * Each change of file is a new generation, on which the poller ends every watch. While no file is at the path
     * none is open, and whatever comes back is opened, the same file too (moved away and back): with the closed
     * connection and the file's identity kept, that one failed every call for the rest of the process's life. The
     * journal left at the path belongs to the file this process last opened there and is removed only when another
     * file comes, by whichever store object of the process opens it first ({@link PathJournal}): the same file back
     * finds its own there, with the commits not yet copied into it (removed at once, they were lost).
     */
    synchronized void followFile() {
        if (connection != null) {
            if (!journal.removedSince(removalsSeen) && !StoreFile.replaced(path, opened.identity())) {
                return;
            }
            StoreFile.closeLeft(connection);
            connection = null;
            if (poller != null) {
                poller.dropConnection();
            }
            generation++;
        }
        PathJournal.Open open = journal.open(path, mode, false);
        opened = open.opened();
        removalsSeen = open.removals();
        connection = opened.connection();
        // a file back after none was is a change of file too: a watch begun meanwhile resyncs on it
        generation++;
    }

    /** Another connection to the file this store has open, for its watch poller. */
    Connection connectBeside() throws SQLException {
        return journal.connect(path, mode);
    }

    synchronized long generation() {
        return generation;
    }

    @Override
    public synchronized Optional<KeyValue> get(String key) {
        try (PreparedStatement query = connection().prepareStatement("SELECT value, create_rev, mod_rev FROM kv WHERE key = ?")) {
            query.setString(1, key);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(new KeyValue(key, row.getString(1), row.getLong(2), row.getLong(3)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read " + key, e);
        }
    }

    @Override
    public synchronized Listing list(String prefix) {
        try (Statement statement = connection().createStatement()) {
            statement.execute("BEGIN");
            try {
                long revision = meta(connection, "revision");
                List<KeyValue> items = new ArrayList<>();
                try (PreparedStatement query = connection.prepareStatement(
                        "SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key")) {
                    query.setString(1, prefix);
                    query.setString(2, prefixEnd(prefix));
                    try (ResultSet row = query.executeQuery()) {
                        while (row.next()) {
                            items.add(new KeyValue(row.getString(1), row.getString(2), row.getLong(3), row.getLong(4)));
                        }
                    }
                }
                return new Listing(items, revision);
            } finally {
                statement.execute("COMMIT");
            }
        } catch (SQLException e) {
            throw failure("list " + prefix, e);
        }
    }

    @Override
    public synchronized List<String> keys(String prefix) {
        try (PreparedStatement query = connection().prepareStatement("SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key")) {
            query.setString(1, prefix);
            query.setString(2, prefixEnd(prefix));
            List<String> keys = new ArrayList<>();
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    keys.add(row.getString(1));
                }
            }
            return keys;
        } catch (SQLException e) {
            throw failure("list the keys under " + prefix, e);
        }
    }

    @Override
    public synchronized long commit(List<Op> ops) {
        try (Statement statement = connection().createStatement()) {
            statement.execute("BEGIN IMMEDIATE");
            boolean done = false;
            try {
                long current = meta(connection, "revision");
                for (Op op : ops) {
                    check(op);
                }
                // guards alone change nothing, so they take no revision (as in etcd)
                long revision = ops.stream().anyMatch(Op::writes) ? current + 1 : current;
                int sequence = 0;
                for (Op op : ops) {
                    if (op.writes()) {
                        apply(op, revision, sequence++);
                    }
                }
                if (revision != current) {
                    setMeta("revision", revision);
                    trimHistory(revision - HISTORY);
                }
                statement.execute("COMMIT");
                done = true;
                if (revision != current) {
                    committed();
                }
                return revision;
            } finally {
                if (!done) {
                    rollback(statement);
                }
            }
        } catch (SQLException e) {
            throw failure("write", e);
        }
    }

    /**
     * Tells this process's own readers of the file at once, through any store object: its watchers (the agent's loop,
     * when a plugin call or a delegated command wrote) and those waiting in {@link #awaitCommit}, so that neither
     * waits for its next poll.
     */
    private void committed() {
        signal.committed();
    }

    /** Commits that wrote, made in this process to this store's file through any store object. */
    @Override
    public long commitsMade() {
        return signal.commits();
    }

    @Override
    public void awaitCommit(long seen, Duration max) throws InterruptedException {
        signal.await(seen, max);
    }

    /**
     * After some errors (a full disk, I/O) SQLite has already rolled the transaction back, and ROLLBACK would fail
     * with "no transaction is active", hiding the error that matters.
     */
    private static void rollback(Statement statement) {
        try {
            statement.execute("ROLLBACK");
        } catch (SQLException e) {
            // nothing left to undo; the caller's own error says what went wrong
        }
    }

    /** Every condition is checked before anything is written, so an op sees the store as the commit found it. */
    private void check(Op op) throws SQLException {
        if (op instanceof Op.NoneNewer newer) {
            if (changedAfter(newer.key(), newer.revision())) {
                throw new ConflictException(op.key(), ConflictException.Reason.REVISION_MISMATCH);
            }
            return;
        }
        Long current = modRevision(op.key());
        switch (op) {
            case Op.Create create -> requireAbsent(op.key(), current);
            case Op.Absent absent -> requireAbsent(op.key(), current);
            case Op.Update update -> requireRevision(op.key(), current, update.expectedRevision());
            case Op.Delete delete -> requireRevision(op.key(), current, delete.expectedRevision());
            case Op.Unchanged unchanged -> requireRevision(op.key(), current, unchanged.expectedRevision());
            case Op.Put put -> { }
            case Op.NoneNewer newer -> throw new IllegalStateException("checked above");
        }
    }

    private static void requireAbsent(String key, Long current) {
        if (current != null) {
            throw new ConflictException(key, ConflictException.Reason.ALREADY_EXISTS);
        }
    }

    private boolean changedAfter(String prefix, long revision) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT 1 FROM kv WHERE key >= ? AND key < ? AND mod_rev > ? LIMIT 1")) {
            query.setString(1, prefix);
            query.setString(2, prefixEnd(prefix));
            query.setLong(3, revision);
            try (ResultSet row = query.executeQuery()) {
                return row.next();
            }
        }
    }

    private static void requireRevision(String key, Long current, long expected) {
        if (current == null) {
            throw new ConflictException(key, ConflictException.Reason.NOT_FOUND);
        }
        if (current != expected) {
            throw new ConflictException(key, ConflictException.Reason.REVISION_MISMATCH);
        }
    }

    private void apply(Op op, long revision, int sequence) throws SQLException {
        String value = switch (op) {
            case Op.Create create -> create.value();
            case Op.Update update -> update.value();
            case Op.Put put -> put.value();
            case Op.Delete delete -> null;
            case Op.Unchanged unchanged -> throw new IllegalArgumentException("a guard writes nothing");
            case Op.Absent absent -> throw new IllegalArgumentException("a guard writes nothing");
            case Op.NoneNewer newer -> throw new IllegalArgumentException("a guard writes nothing");
        };
        if (value == null) {
            execute("DELETE FROM kv WHERE key = ?", op.key());
        } else {
            try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO kv VALUES (?, ?, ?, ?) ON CONFLICT(key)"
                    + " DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev")) {
                upsert.setString(1, op.key());
                upsert.setString(2, value);
                upsert.setLong(3, revision);
                upsert.setLong(4, revision);
                upsert.executeUpdate();
            }
        }
        try (PreparedStatement event = connection.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?)")) {
            event.setLong(1, revision);
            event.setInt(2, sequence);
            event.setString(3, op.key());
            event.setString(4, value);
            event.executeUpdate();
        }
    }

    /** Forgets the history up to and including the revision: watchers that still need it must resync. */
    public synchronized void compact(long revision) {
        try (Statement statement = connection().createStatement()) {
            statement.execute("BEGIN IMMEDIATE");
            trimHistory(revision);
            statement.execute("COMMIT");
        } catch (SQLException e) {
            throw failure("compact", e);
        }
    }

    private void trimHistory(long upTo) throws SQLException {
        if (upTo <= meta(connection, "compacted")) {
            return;
        }
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM events WHERE rev <= ?")) {
            delete.setLong(1, upTo);
            delete.executeUpdate();
        }
        setMeta("compacted", upTo);
    }

    @Override
    public synchronized Watch watch(String prefix, long afterRevision, WatchListener listener) {
        if (poller == null) {
            try {
                poller = new WatchPoller(this, path, mode);
                signal.wake(poller);
            } catch (SQLException e) {
                throw failure("watch", e);
            }
        }
        return poller.add(prefix, afterRevision, listener);
    }

    @Override
    public String location() {
        return "embedded:" + path;
    }

    @Override
    public void close() {
        WatchPoller stopping;
        synchronized (this) {
            stopping = poller;
            poller = null;
            if (!closed) {
                closed = true;
                signal.release();
                PathJournal.OF.release(path);
            }
        }
        // outside the lock, which the poller takes for each poll
        if (stopping != null) {
            signal.stopWaking(stopping);
            stopping.close();
        }
        synchronized (this) {
            if (connection != null) {
                closeQuietly(connection);
            }
        }
    }

    static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing: nothing left to protect
        }
    }

    private Long modRevision(String key) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT mod_rev FROM kv WHERE key = ?")) {
            query.setString(1, key);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getLong(1) : null;
            }
        }
    }

    static long meta(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            query.setString(1, name);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    private void setMeta(String name, long value) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE meta SET value = ? WHERE name = ?")) {
            update.setLong(1, value);
            update.setString(2, name);
            update.executeUpdate();
        }
    }

    private void execute(String sql, String key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, key);
            statement.executeUpdate();
        }
    }

    /** The smallest string greater than every string that starts with the prefix. */
    static String prefixEnd(String prefix) {
        if (prefix.isEmpty()) {
            return "\uffff\uffff";
        }
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    private DatastoreException failure(String what, SQLException e) {
        return new DatastoreException("datastore embedded:" + path + ": cannot " + what + ": " + reason(e), e);
    }

    static String reason(Exception e) {
        if (e instanceof SQLException sql && (sql.getErrorCode() & 0xff) == SQLITE_FULL) {
            return "its file system is full";
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.replaceFirst("^\\[SQLITE_[A-Z_]+\\]\\s*", "");
    }
}
