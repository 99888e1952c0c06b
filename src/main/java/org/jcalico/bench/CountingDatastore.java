package org.jcalico.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.ForwardingDatastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;

/**
 * A datastore that counts the keys it hands out (a get that finds one, every item of a listing) and its round trips
 * (each get, listing and commit): how much of the store an operation reads and how often it asks, which unlike its
 * time do not depend on the machine's load; and the time spent in those calls, which tells a slow operation's store
 * from the rest of its work. Closing it closes the store.
 */
public final class CountingDatastore extends ForwardingDatastore {
    private final AtomicLong keysRead = new AtomicLong();
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong nanosInCalls = new AtomicLong();
    private final Map<String, AtomicLong> listings = new ConcurrentHashMap<>();

    public CountingDatastore(Datastore datastore) {
        super(datastore);
    }

    /** Keys read since it was made. */
    public long keysRead() {
        return keysRead.get();
    }

    /** Gets, listings and commits since it was made. */
    public long roundTrips() {
        return roundTrips.get();
    }

    /** Nanoseconds spent in gets, listings and commits since it was made. */
    public long nanosInCalls() {
        return nanosInCalls.get();
    }

    /** Listings of exactly this prefix since it was made. */
    public long listings(String prefix) {
        AtomicLong count = listings.get(prefix);
        return count == null ? 0 : count.get();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        Optional<KeyValue> found = super.get(key);
        nanosInCalls.addAndGet(System.nanoTime() - start);
        found.ifPresent(kv -> keysRead.incrementAndGet());
        return found;
    }

    @Override
    public List<Optional<KeyValue>> getAll(List<String> keys) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        List<Optional<KeyValue>> found = super.getAll(keys);
        nanosInCalls.addAndGet(System.nanoTime() - start);
        keysRead.addAndGet(found.stream().filter(Optional::isPresent).count());
        return found;
    }

    @Override
    public Listing list(String prefix) {
        roundTrips.incrementAndGet();
        listings.computeIfAbsent(prefix, ignored -> new AtomicLong()).incrementAndGet();
        long start = System.nanoTime();
        Listing listing = super.list(prefix);
        nanosInCalls.addAndGet(System.nanoTime() - start);
        keysRead.addAndGet(listing.items().size());
        return listing;
    }

    @Override
    public long commit(List<Op> ops) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        try {
            return super.commit(ops);
        } finally {
            nanosInCalls.addAndGet(System.nanoTime() - start);
        }
    }
}
