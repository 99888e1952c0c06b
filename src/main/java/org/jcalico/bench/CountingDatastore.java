package org.jcalico.bench;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchListener;

/**
 * A datastore that counts the keys it hands out (a get that finds one, every item of a listing): how much of the store
 * an operation reads, which unlike its time does not depend on the machine's load. Closing it closes the store.
 */
public final class CountingDatastore implements Datastore {
    private final Datastore datastore;
    private final AtomicLong keysRead = new AtomicLong();

    public CountingDatastore(Datastore datastore) {
        this.datastore = datastore;
    }

    /** Keys read since it was made. */
    public long keysRead() {
        return keysRead.get();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        Optional<KeyValue> found = datastore.get(key);
        found.ifPresent(kv -> keysRead.incrementAndGet());
        return found;
    }

    @Override
    public Listing list(String prefix) {
        Listing listing = datastore.list(prefix);
        keysRead.addAndGet(listing.items().size());
        return listing;
    }

    @Override
    public long commit(List<Op> ops) {
        return datastore.commit(ops);
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
