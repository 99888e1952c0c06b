package org.jcalico.datastore;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * jcalico's whole view of its storage: a revisioned key-value store. Every commit gets the next revision (one
 * revision for all its writes); conditions make it compare-and-swap; a watch replays changes in revision order.
 * Backends: {@code embedded:PATH} (SQLite) and {@code etcd://}. Both pass {@code DatastoreContract}.
 */
public interface Datastore extends AutoCloseable {
    Optional<KeyValue> get(String key);

    /**
     * Several keys at once, each empty where there is none, in the order asked: on etcd one transaction of range
     * reads, one round trip and one revision for all of them, where a per-container path would otherwise wait for
     * one round trip per key.
     */
    default List<Optional<KeyValue>> getAll(List<String> keys) {
        return keys.stream().map(this::get).toList();
    }

    Listing list(String prefix);

    /**
     * The keys under the prefix, in key order, without their values: for a reader that needs only which records exist
     * (the blocks a claim must pass over), so that it neither fetches nor decodes every record of a kind.
     */
    default List<String> keys(String prefix) {
        return list(prefix).items().stream().map(KeyValue::key).toList();
    }

    /**
     * The same listing handed over in pages, in key order, as they arrive, so that a reader of a big store (the agent
     * at its start) can decode one page while the store sends the next, and need not hold every value's text at once.
     *
     * @return the revision the listing is of
     */
    default long list(String prefix, Consumer<List<KeyValue>> pages) {
        Listing listing = list(prefix);
        pages.accept(listing.items());
        return listing.revision();
    }

    /**
     * The same listing read in parts, all of one revision, so that a store can serve the parts at once: the splits
     * (keys under the prefix, ascending, at most one fewer than the parts) are chosen by the splitter from the keys under
     * its {@link ListingParts.Splitter#under()}, read first; part 0 runs from the prefix to the first split, part i
     * from split i-1 to split i, the last to the prefix's end (parts past the splits' get nothing). Part i's pages reach
     * {@code parts.get(i)} in key order, one at a time; different parts' consumers may run at the same time, on
     * threads of the store. By default the listing is read whole and each page dealt out to the parts its keys belong
     * to (keys compared as Java strings: jcalico's keys are ASCII).
     *
     * @return the revision the listing is of
     */
    default long list(String prefix, ListingParts.Splitter splitter, List<Consumer<List<KeyValue>>> parts) {
        List<String> splits = splitter.splits().apply(list(splitter.under()).items().stream().map(KeyValue::key).toList());
        ListingParts.check(prefix, splits, parts.size());
        return list(prefix, page -> ListingParts.deal(page, splits, parts));
    }

    /**
     * Applies all writes atomically, or none: throws {@link ConflictException} for the first failed condition.
     *
     * @return the revision of this commit
     */
    long commit(List<Op> ops);

    /**
     * How many commits that wrote were made through this object so far (the embedded store: by this process to the
     * same file, through any of its store objects). With {@link #awaitCommit} it lets a reader that polls for a record
     * another thread of this process writes (the docker plugin, or a `container add` the agent runs for the launcher,
     * waiting for its own agent's report on an endpoint) read again as soon as that commit is made rather than at its
     * next poll.
     */
    default long commitsMade() {
        return 0;
    }

    /**
     * Returns once a commit that {@link #commitsMade} counts follows the {@code seen}-th, or
     * after {@code max}, whichever comes first; a backend that does not count commits waits {@code max}.
     */
    default void awaitCommit(long seen, Duration max) throws InterruptedException {
        Thread.sleep(max);
    }

    /** Delivers every change under the prefix with a revision greater than afterRevision. */
    Watch watch(String prefix, long afterRevision, WatchListener listener);

    /** Where this store is, as a user would write it (embedded:/path, etcd://host:port). */
    String location();

    @Override
    void close();

    default long create(String key, String value) {
        return commit(List.of(new Op.Create(key, value)));
    }

    default long update(String key, String value, long expectedRevision) {
        return commit(List.of(new Op.Update(key, value, expectedRevision)));
    }

    default long put(String key, String value) {
        return commit(List.of(new Op.Put(key, value)));
    }

    default long delete(String key, long expectedRevision) {
        return commit(List.of(new Op.Delete(key, expectedRevision)));
    }
}
