package org.jcalico.datastore.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import org.jcalico.datastore.OpenMode;

/**
 * Whose journal (-wal, -shm) lies at a store's path, as this process knows it: the file that any of its store objects
 * last opened there, with the identities its journal files had then. One per path while a store object of the process
 * has it open; every open of the path by them goes through it, one at a time.
 *
 * <p>A file that another has replaced left its journal at the path (SQLite keeps it when its file was unlinked), and a
 * new file must never be read through it: the first object to open the new file removes it. Until session 36 each
 * object kept its own record of the file it had opened and, at its next call after the replacement, removed the
 * journal at the path if the identity (device, inode) was the one it had recorded. But another object of the process
 * (the agent has its loop's, the one it keeps for its served commands, and their watch pollers' connections) may have
 * removed it already and opened the new file, with a new journal, to which ext4 gives the freed inode at once: the
 * second object then took the new file's journal for the old one and removed it under the first's connection. The
 * first's commits were lost to every other connection, and the second's own open then failed with "disk I/O error"
 * (it shared the first's index of the removed journal; EmbeddedDatastoreTest.aSecondStoreObjectLeavesAloneTheJournalOfTheFileTheFirstOpened).
 * Kept once per process, the record says that the journal at the path is the new file's.
 */
final class PathJournal {
    /** The record of each path, for a store object that opens it (acquire), until it closes (release). */
    static final PerPath<PathJournal> OF = new PerPath<>(path -> new PathJournal());
    /** The file last opened at the path by this process, and its journal's identities; null before the first open. */
    private StoreFile.Opened last;
    /**
     * The connections of this process to the path, opened through this record; a closed one is forgotten when nothing
     * holds it any more.
     */
    private final Set<Connection> connections = Collections.newSetFromMap(new WeakHashMap<>());
    /** How many journals this record removed: a store object that opened before the last removal must open again. */
    private volatile long removals;

    /** A connection of a store object, and how many journals had been removed when it was opened. */
    record Open(StoreFile.Opened opened, long removals) {
    }

    /**
     * A connection to the file now at the path (see {@link StoreFile#open}). When another file has come since this
     * process last opened one there, whichever object finds it first removes that file's journal, and closes every
     * connection of the process to the path first (each is to a replaced file: a call in flight on one fails); the
     * other objects open again at their next call ({@link #removals}). An object that had made no call meanwhile would
     * otherwise go on with a removed journal: if its file came back (a backup restored, then the original moved back),
     * it wrote where no other connection reads, and an object opening that file again read it through the first's
     * index of the removed journal, "disk I/O error" (EmbeddedDatastoreTest). The same file back (moved away and back)
     * finds its own journal, with the commits not yet copied into it.
     */
    synchronized Open open(Path path, OpenMode mode, boolean create) {
        StoreFile.Identity now = StoreFile.Identity.of(path);
        if (now != null && last != null && !now.equals(last.identity())) {
            connections.forEach(StoreFile::closeLeft);
            connections.clear();
            StoreFile.removeJournalOf(path, last);
            removals++;
        }
        last = StoreFile.open(path, mode, create);
        connections.add(last.connection());
        return new Open(last, removals);
    }

    /** Another connection to the file now open at the path (a watch poller's). */
    synchronized Connection connect(Path path, OpenMode mode) throws SQLException {
        Connection connection = StoreFile.connect(path, mode);
        connections.add(connection);
        return connection;
    }

    /** Whether a journal was removed since an object opened with {@code seen}: its connections are closed. */
    boolean removedSince(long seen) {
        return removals != seen;
    }
}
