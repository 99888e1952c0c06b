package org.jcalico.datastore;

/** A commit's condition failed: nothing of the commit was written. */
public final class ConflictException extends DatastoreException {
    public enum Reason {
        ALREADY_EXISTS, NOT_FOUND, REVISION_MISMATCH
    }

    private final String key;
    private final Reason reason;

    public ConflictException(String key, Reason reason) {
        super(key + ": " + switch (reason) {
            case ALREADY_EXISTS -> "already exists";
            case NOT_FOUND -> "does not exist";
            case REVISION_MISMATCH -> "was changed by someone else";
        });
        this.key = key;
        this.reason = reason;
    }

    public String key() {
        return key;
    }

    public Reason reason() {
        return reason;
    }
}
