package org.jcalico.datastore.embedded;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.StoreNotMountedException;
import org.sqlite.SQLiteConfig;

/**
 * Opens connections to the SQLite file of an embedded store, and tells which file that was. Nothing is written to a
 * file before a read-only look has shown that it is a jcalico store (or that it is new), so a mistyped path or
 * another program's database is refused instead of created or given our tables and WAL journal.
 */
final class StoreFile {
    private static final int BUSY_TIMEOUT_MILLIS = 15_000;
    private static final String[] TABLES = {"kv", "events", "meta"};
    private static final int GROUP_OR_OTHERS = 0077;

    /**
     * The file a connection was opened on: a file moved over the path (a restored backup) has another. Its equals and
     * hashCode are written out: a record's own are bootstrapped at their first call (method handles made at run time,
     * which the start-up cache does not keep), and every command that opens the store compares identities once
     * (docs/agent.md, "Start-up of a command").
     */
    record Identity(Object device, Object inode) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Identity that && java.util.Objects.equals(device, that.device)
                    && java.util.Objects.equals(inode, that.inode);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hashCode(device) + java.util.Objects.hashCode(inode);
        }

        /** The identity of the file now at the path, or null if there is none. */
        static Identity of(Path path) {
            try {
                Map<String, Object> attributes = Files.readAttributes(path, "unix:dev,ino");
                return new Identity(attributes.get("dev"), attributes.get("ino"));
            } catch (IOException | UnsupportedOperationException e) {
                return null;
            }
        }
    }

    /**
     * A connection, the identity of the file it was opened on, and of that file's WAL journal and its index, which
     * SQLite finds by the path: when the file is replaced, they stay behind, and the new file must not be read with
     * them.
     */
    record Opened(Connection connection, Identity identity, Identity wal, Identity shm) {
    }

    private StoreFile() {
    }

    /**
     * A connection to the jcalico store at the path: read-only for {@link OpenMode#READ}; with create, a file that
     * does not exist yet (or holds no tables at all) becomes an empty store.
     */
    static Opened open(Path path, OpenMode mode, boolean create) {
        try {
            ownFiles(path, false);
            Identity identity = Identity.of(path);
            if (identity != null && Files.size(path) > 0) {
                Connection look = connect(path, OpenMode.READ);
                boolean store;
                try {
                    store = hasTables(look, path);
                } catch (SQLException | RuntimeException e) {
                    look.close();
                    throw e;
                }
                if (store && mode == OpenMode.READ) {
                    return opened(path, look);
                }
                look.close();
                if (store) {
                    holdJournals(path);
                    return opened(path, connect(path, mode));
                }
            }
            if (mode == OpenMode.READ || !create) {
                throw new DatastoreException("there is no datastore at " + path
                        + (identity == null ? "" : " (an empty file)") + "; check --datastore or $JCALICO_DATASTORE");
            }
            Optional<String> mount = PendingMount.of(path);
            if (mount.isPresent()) {
                throw new StoreNotMountedException("there is no datastore at " + path + ", and none is made: "
                        + mount.get() + ", which /etc/fstab names for it, is not mounted (a store made now would be hidden"
                        + " once it is); mount it, or give another --datastore");
            }
            return opened(path, create(path));
        } catch (IOException | SQLException e) {
            throw new DatastoreException("cannot open datastore embedded:" + path + ": " + EmbeddedDatastore.reason(e), e);
        }
    }

    /**
     * Refuses the store when its file or a journal file beside it is another user's (a symbolic link of theirs
     * included): in a directory others can add names to (/tmp), that user may have made them before root's first open,
     * and SQLite reads and writes whatever journal it finds there, so they could read the store or change its
     * policy through it. With tighten, also takes group's and others' access away from the files that are this user's
     * (a store an older jcalico made was 0644, and SQLite makes its journal files with the file's mode): done where the
     * store is opened for writing only, once it is known to be a jcalico store, since a read changes nothing.
     */
    private static void ownFiles(Path path, boolean tighten) throws IOException {
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
        for (Path file : java.util.List.of(path, journal(path, "-wal"), journal(path, "-shm"))) {
            Map<String, Object> attributes;
            try {
                attributes = Files.readAttributes(file, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                continue;
            }
            Object owner = attributes.get("uid");
            if (!owner.equals(self) && !owner.equals(0)) {
                throw new DatastoreException("embedded:" + path + ": " + file + " belongs to uid " + owner + ", not to this"
                        + " user or root, who could read or change the store through it; keep the store in a directory"
                        + " only root can add files to (the default /var/lib/jcalico), or remove " + file + " after checking it");
            }
            int mode = (Integer) attributes.get("mode");
            if (tighten && (mode & GROUP_OR_OTHERS) != 0 && owner.equals(self) && !Files.isSymbolicLink(file)) {
                Files.setAttribute(file, "unix:mode", mode & ~GROUP_OR_OTHERS & 07777, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    /**
     * Before a connection that writes: the journal files SQLite will open by name (at its first read, not at the
     * connection's open) are made now where missing, root's alone, then checked with any that were there. A name that
     * is this user's (or root's) cannot be taken away or replaced by another user where that user may add names only
     * (/tmp, sticky) or none (/var/lib/jcalico), so nobody can put a journal of theirs there between this check and
     * SQLite's open: a check alone, with the name free until SQLite made the file, left that moment open.
     */
    private static void holdJournals(Path path) throws IOException {
        for (String suffix : java.util.List.of("-wal", "-shm")) {
            try {
                Files.createFile(journal(path, suffix),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                // SQLite's, another connection's, or planted: checked below with the file
            }
        }
        ownFiles(path, true);
    }

    /** Reads once, which opens the journal, so that its files can be told apart from a later file's. */
    private static Opened opened(Path path, Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet ignored = statement.executeQuery("SELECT value FROM meta WHERE name = 'revision'")) {
            return new Opened(connection, Identity.of(path), Identity.of(journal(path, "-wal")), Identity.of(journal(path, "-shm")));
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    private static Path journal(Path path, String suffix) {
        return path.resolveSibling(path.getFileName() + suffix);
    }

    /**
     * Removes the journal files a replaced file left beside the path (SQLite keeps them when the file was unlinked),
     * but only those same files, never the journal of a new file that another process opened meanwhile: called by
     * {@link PathJournal}, which knows which file of this process's the journal at the path is. A store object of this
     * process that still has the replaced file open goes on with it (its file is no longer at the path) until its next
     * call, which finds the new file; SQLite leaves the journal alone when it closes a connection to an unlinked file.
     */
    static void removeJournalOf(Path path, Opened old) {
        for (var journal : java.util.List.of(java.util.Map.entry(journal(path, "-wal"), java.util.Optional.ofNullable(old.wal())),
                java.util.Map.entry(journal(path, "-shm"), java.util.Optional.ofNullable(old.shm())))) {
            if (journal.getValue().isPresent() && journal.getValue().get().equals(Identity.of(journal.getKey()))) {
                try {
                    Files.deleteIfExists(journal.getKey());
                } catch (IOException e) {
                    throw new DatastoreException("cannot remove " + journal.getKey() + ", the journal of the datastore file"
                            + " that was replaced: " + e.getMessage());
                }
            }
        }
    }

    /**
     * True for a jcalico store, false for a SQLite file with no tables; any other file is refused. The look is taken
     * through a read-only connection, which cannot change the file.
     */
    private static boolean hasTables(Connection connection, Path path) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            int tables = 0;
            int ours = 0;
            try (ResultSet row = statement.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
                while (row.next()) {
                    tables++;
                    ours += java.util.Arrays.asList(TABLES).contains(row.getString(1)) ? 1 : 0;
                }
            }
            if (tables == 0) {
                return false;
            }
            if (ours != TABLES.length || !hasRevision(statement)) {
                throw new DatastoreException("embedded:" + path + " is not a jcalico datastore (a SQLite database with other"
                        + " tables); check --datastore or $JCALICO_DATASTORE");
            }
            return true;
        } catch (SQLException e) {
            if (e.getErrorCode() == 26) {
                // SQLITE_NOTADB
                throw new DatastoreException("embedded:" + path + " is not a jcalico datastore (not a SQLite database);"
                        + " check --datastore or $JCALICO_DATASTORE");
            }
            throw e;
        }
    }

    private static boolean hasRevision(Statement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery("SELECT count(*) FROM meta WHERE name = 'revision'")) {
            return row.next() && row.getInt(1) == 1;
        }
    }

    private static Connection create(Path path) throws IOException, SQLException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            // root's alone to read: the store tells every endpoint and rule of the cluster, which the agent's socket
            // serves to root alone; SQLite gives its journal files the mode of this file
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // another process made it first, or an empty file was named
        }
        holdJournals(path);
        Connection connection = connect(path, OpenMode.WRITE);
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA journal_mode=WAL");
            statement.execute("BEGIN IMMEDIATE");
            statement.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
                    + " create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL) WITHOUT ROWID");
            statement.execute("CREATE TABLE IF NOT EXISTS events (rev INTEGER NOT NULL, seq INTEGER NOT NULL,"
                    + " key TEXT NOT NULL, value TEXT, PRIMARY KEY (rev, seq)) WITHOUT ROWID");
            statement.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            statement.execute("INSERT OR IGNORE INTO meta VALUES ('revision', 0), ('compacted', 0)");
            statement.execute("COMMIT");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    /**
     * Through SQLite's driver itself: DriverManager's first connection looks up every JDBC driver that each jar on the
     * class path declares, tens of milliseconds of a command's start (docs/agent.md, "Start-up of a command").
     */
    static Connection connect(Path path, OpenMode mode) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(mode == OpenMode.READ);
        // WAL with NORMAL: a commit writes the log and syncs it only at checkpoints; an application killed at any
        // point loses nothing committed, a power loss may lose the last commits but never makes the file
        // inconsistent. It is a setting of each connection, not of the file: set only where the file was created, every
        // other connection (each agent's, each command's) synced the log at every commit, 4-6 times per
        // `container add`, each as slow as the shared disk at that moment (docs/agent.md, "A served container add").
        // A read commits nothing; and set there, the driver's pragma at the open refused a file that is no database
        // before the read could say what the file is.
        if (mode == OpenMode.WRITE) {
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        }
        // The driver's generated keys (on by default) matched a regular expression against every statement executed and,
        // after each INSERT, prepared and ran `SELECT last_insert_rowid()` for a result nobody here reads: a third of a
        // commit's allocation and a quarter of its CPU (docs/agent.md, "Session 55 (p-attach)").
        config.setGetGeneratedKeys(false);
        Connection connection = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + path, config.toProperties());
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout=" + BUSY_TIMEOUT_MILLIS);
        }
        return connection;
    }

    /**
     * Closes a connection to a file that is no longer at the path (replaced, moved away or removed), after copying the
     * commits of its journal into it: the journal lies at the path, not beside the file wherever it went, and is
     * removed when another file comes, so a file moved back (a backup restored, then the original put back) came back
     * without the commits not yet copied into it at a checkpoint, all of them for a store whose connections had stayed
     * open. The checkpoint writes through the connection's own descriptors, so into the file wherever it is (a removed
     * file's are lost with it); PASSIVE, it waits for no reader of another process. A read-only connection cannot
     * copy, and one closed already has nothing left to do.
     */
    static void closeLeft(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException e) {
            // read-only, closed or busy: nothing copied, as before
        }
        EmbeddedDatastore.closeQuietly(connection);
    }

    /** Whether the path still names the file that was opened. */
    static boolean replaced(Path path, Identity opened) {
        return !java.util.Objects.equals(Identity.of(path), opened);
    }
}
