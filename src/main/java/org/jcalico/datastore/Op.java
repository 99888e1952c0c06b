package org.jcalico.datastore;

/**
 * One part of an atomic {@link Datastore#commit}: a write guarded by its own condition, or a guard alone that writes
 * nothing. Guards let a commit depend on keys it does not change (a block is created only while its pool is as read),
 * so that an invariant over many keys is checked in the same transaction that could break it.
 */
public sealed interface Op {
    /** The key written or guarded; for {@link NoneNewer}, the prefix. */
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

    /** Writes nothing; fails unless the key exists with exactly this modification revision. */
    record Unchanged(String key, long expectedRevision) implements Op {
    }

    /** Writes nothing; fails if the key exists. */
    record Absent(String key) implements Op {
    }

    /**
     * Writes nothing; fails if any key under the prefix was created or changed after the revision (a listing's, say).
     * Deletions are not seen: guard what a deletion would break with {@link Unchanged} on the key itself.
     */
    record NoneNewer(String key, long revision) implements Op {
    }

    /** Whether this op changes the store (rather than only guarding the commit). */
    default boolean writes() {
        return this instanceof Create || this instanceof Update || this instanceof Put || this instanceof Delete;
    }
}
