package org.jcalico.datastore;

/**
 * An embedded store is not at its path and none is made there, because the filesystem that /etc/fstab names for the
 * path is not mounted yet: the store is awaited, not replaced (the agent waits for it as for a store gone).
 */
public final class StoreNotMountedException extends DatastoreException {
    public StoreNotMountedException(String message) {
        super(message);
    }
}
