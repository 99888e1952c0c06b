package org.jcalico.datastore;

/** One write of an atomic {@link Datastore#commit}; each carries the condition it is guarded by. */
public sealed interface Op {
    String key();

    /** Fails if the key exists. */
    record Create(String key, String value) implements Op {
    }

    /** Fails unless the key exists with exactly this modification revision. */
    record Update(String key, String value, long expectedRevision) implements Op {
    }

    /** Creates or replaces, unconditionally; for values only one writer owns (status reports). */
    record Put(String key, String value) implements Op {
    }

    /** Fails unless the key exists with exactly this modification revision. */
    record Delete(String key, long expectedRevision) implements Op {
    }
}
