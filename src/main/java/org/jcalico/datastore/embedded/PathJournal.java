package org.jcalico.datastore.embedded;

import java.nio.file.Path;
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
     * A connection to the file now at the path (see {@link StoreFile#open}), after removing the journal of the file
     * this process last opened there when another file has come since: whichever object finds it first. The same file
     * back (moved away and back) finds its own journal, with the commits not yet copied into it.
     */
    synchronized StoreFile.Opened open(Path path, OpenMode mode, boolean create) {
        StoreFile.Identity now = StoreFile.Identity.of(path);
        if (now != null && last != null && !now.equals(last.identity())) {
            StoreFile.removeJournalOf(path, last);
        }
        last = StoreFile.open(path, mode, create);
        return last;
    }
}
