package org.jcalico.datastore;

/** A change to one key; value is null for a deletion. All events of one commit share its revision. */
public record WatchEvent(Type type, String key, String value, long revision) {
    public enum Type {
        PUT, DELETE
    }
}
