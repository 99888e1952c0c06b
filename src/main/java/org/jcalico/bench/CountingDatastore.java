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
 * A datastore that counts the keys it hands out (a get that finds one, every item of a listing) and its round trips
 * (each get, listing and commit): how much of the store an operation reads and how often it asks, which unlike its
 * time do not depend on the machine's load. Closing it closes the store.
 */
public final class CountingDatastore implements Datastore {
    private final Datastore datastore;
    private final AtomicLong keysRead = new AtomicLong();
    private final AtomicLong roundTrips = new AtomicLong();
    private final java.util.Map<String, AtomicLong> listings = new java.util.concurrent.ConcurrentHashMap<>();

    public CountingDatastore(Datastore datastore) {
        this.datastore = datastore;
    }

    /** Keys read since it was made. */
    public long keysRead() {
        return keysRead.get();
    }

    /** Gets, listings and commits since it was made. */
    public long roundTrips() {
        return roundTrips.get();
    }

    /** Listings of exactly this prefix since it was made. */
    public long listings(String prefix) {
        AtomicLong count = listings.get(prefix);
        return count == null ? 0 : count.get();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        roundTrips.incrementAndGet();
        Optional<KeyValue> found = datastore.get(key);
        found.ifPresent(kv -> keysRead.incrementAndGet());
        return found;
    }

    @Override
    public List<Optional<KeyValue>> getAll(List<String> keys) {
        roundTrips.incrementAndGet();
        List<Optional<KeyValue>> found = datastore.getAll(keys);
        keysRead.addAndGet(found.stream().filter(Optional::isPresent).count());
        return found;
    }

    @Override
    public Listing list(String prefix) {
        roundTrips.incrementAndGet();
        listings.computeIfAbsent(prefix, ignored -> new AtomicLong()).incrementAndGet();
        Listing listing = datastore.list(prefix);
        keysRead.addAndGet(listing.items().size());
        return listing;
    }

    @Override
    public long commit(List<Op> ops) {
        roundTrips.incrementAndGet();
        return datastore.commit(ops);
    }

    @Override
    public long commitsMade() {
        return datastore.commitsMade();
    }

    @Override
    public void awaitCommit(long seen, java.time.Duration max) throws InterruptedException {
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
