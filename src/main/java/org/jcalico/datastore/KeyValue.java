package org.jcalico.datastore;

/** A stored value with the revision that created the key and the revision of its last change. */
public record KeyValue(String key, String value, long createRevision, long modRevision) {
}
