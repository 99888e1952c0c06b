package org.jcalico.bench;

import java.util.ArrayList;
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
 * A datastore that counts the keys it hands out (a get that finds one, every item of a listing, every key of a
 * listing of keys alone) and its round trips (each get, listing and commit): how much of the store an operation reads and how often it asks, which unlike its
 * time do not depend on the machine's load; and the time spent in those calls, which tells a slow operation's store
 * from the rest of its work; and each call's own time by its kind, to set beside the store's own measure of the
 * requests it served (a commit is where etcd's consensus and its log's fsync lie). Closing it closes the store.
 */
public final class CountingDatastore extends ForwardingDatastore {
    private final AtomicLong keysRead = new AtomicLong();
    private final AtomicLong roundTrips = new AtomicLong();
    private final AtomicLong nanosInCalls = new AtomicLong();
    private final Map<String, AtomicLong> listings = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> keyListings = new ConcurrentHashMap<>();
    private final Map<Call, List<Long>> times = Map.of(Call.READ, new ArrayList<>(), Call.COMMIT, new ArrayList<>());

    /** A kind of call: a get, a get of several keys, a listing; or a commit. */
    public enum Call { READ, COMMIT }

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

    /** Nanoseconds each call of the kind took, in the order they ended, from the from-th on. */
    public List<Long> times(Call call, int from) {
        List<Long> made = times.get(call);
        synchronized (made) {
            return List.copyOf(made.subList(from, made.size()));
        }
    }

    /** Calls of the kind since it was made. */
    public int calls(Call call) {
        List<Long> made = times.get(call);
        synchronized (made) {
            return made.size();
        }
    }

    private void took(Call call, long start) {
        long took = System.nanoTime() - start;
        nanosInCalls.addAndGet(took);
        List<Long> made = times.get(call);
        synchronized (made) {
            made.add(took);
        }
    }

    /** Listings of exactly this prefix since it was made. */
    public long listings(String prefix) {
        AtomicLong count = listings.get(prefix);
        return count == null ? 0 : count.get();
    }

    /** Listings of exactly this prefix's keys alone ({@link #keys}) since it was made. */
    public long keyListings(String prefix) {
        AtomicLong count = keyListings.get(prefix);
        return count == null ? 0 : count.get();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        Optional<KeyValue> found = super.get(key);
        took(Call.READ, start);
        found.ifPresent(kv -> keysRead.incrementAndGet());
        return found;
    }

    @Override
    public List<Optional<KeyValue>> getAll(List<String> keys) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        List<Optional<KeyValue>> found = super.getAll(keys);
        took(Call.READ, start);
        keysRead.addAndGet(found.stream().filter(Optional::isPresent).count());
        return found;
    }

    @Override
    public Listing list(String prefix) {
        roundTrips.incrementAndGet();
        listings.computeIfAbsent(prefix, ignored -> new AtomicLong()).incrementAndGet();
        long start = System.nanoTime();
        Listing listing = super.list(prefix);
        took(Call.READ, start);
        keysRead.addAndGet(listing.items().size());
        return listing;
    }

    @Override
    public List<String> keys(String prefix) {
        roundTrips.incrementAndGet();
        keyListings.computeIfAbsent(prefix, ignored -> new AtomicLong()).incrementAndGet();
        long start = System.nanoTime();
        List<String> keys = super.keys(prefix);
        took(Call.READ, start);
        keysRead.addAndGet(keys.size());
        return keys;
    }

    @Override
    public long commit(List<Op> ops) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        try {
            return super.commit(ops);
        } finally {
            took(Call.COMMIT, start);
        }
    }
}
