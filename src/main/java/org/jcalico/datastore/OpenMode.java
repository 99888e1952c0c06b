package org.jcalico.datastore;

/** What a command will do with the datastore it opens, which decides what opening it may do to the store. */
public enum OpenMode {
    /**
     * Only read: the store must already exist and be jcalico's; opening it writes nothing (no schema, no journal
     * mode), so a mistyped path or another program's database is an error, never a new or altered file.
     */
    READ,
    /** Read and write: an embedded store that does not exist yet is created; another program's database is refused. */
    WRITE
}
