package org.jcalico.datastore;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A store that hands every call to another, for a wrapper that changes or watches a few of them (bench's
 * CountingDatastore, the tests' CommitGate). The paged and split listings are left to the interface's defaults, which
 * read through {@link #list(String)}, so that a wrapper sees every listing there; a listing of keys alone is handed on
 * as {@link #keys}, so that a wrapper sees it apart from those that read values.
 */
public abstract class ForwardingDatastore implements Datastore {
    private final Datastore datastore;

    protected ForwardingDatastore(Datastore datastore) {
        this.datastore = datastore;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return datastore.get(key);
    }

    @Override
    public List<Optional<KeyValue>> getAll(List<String> keys) {
        return datastore.getAll(keys);
    }

    @Override
    public Listing list(String prefix) {
        return datastore.list(prefix);
    }

    @Override
    public List<String> keys(String prefix) {
        return datastore.keys(prefix);
    }

    @Override
    public long commit(List<Op> ops) {
        return datastore.commit(ops);
    }

    @Override
    public long commitsMade() {
        return datastore.commitsMade();
    }

    @Override
    public void awaitCommit(long seen, Duration max) throws InterruptedException {
        datastore.awaitCommit(seen, max);
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        return datastore.watch(prefix, afterRevision, listener);
    }

    @Override
    public String location() {
        return datastore.location();
    }

    @Override
    public void close() {
        datastore.close();
    }
}
