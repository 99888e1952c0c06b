package org.jcalico.felix;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.ListingParts;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.datastore.WatchListener;
import org.jcalico.util.Futures;

/**
 * Feeds the agent's queue from the datastore: a full listing, then every change after it. When the watch loses
 * its place (compaction, backend trouble) the agent is told to start over with a fresh listing.
 */
final class Syncer {
    sealed interface Input {
        /**
         * What the cache keeps of the listing, decoded and in the cache's tables part by part (the keys it reads nothing
         * under are left out); whole: handed on only once every part is read.
         */
        record Listed(List<ClusterCache.Part> parts, long revision, long listedNanos) implements Input { }
        record Changed(List<WatchEvent> events) implements Input { }
        record Lost(String reason) implements Input { }
        /** The watch cannot reach the store (it goes on trying): the status says so until {@link Reachable}. */
        record Unreachable(String reason) implements Input { }
        record Reachable() implements Input { }
    }

    private final Datastore datastore;
    private final BlockingQueue<Object> queue;
    /** Decodes the listing's values as the cache keeps them, on the listing's threads. */
    private final ClusterCache cache;
    private Watch watch;
    /** The first listing, when started ahead of {@link #start}. */
    private CompletableFuture<Input.Listed> ahead;

    Syncer(Datastore datastore, BlockingQueue<Object> queue, ClusterCache cache) {
        this.datastore = datastore;
        this.queue = queue;
        this.cache = cache;
    }

    /**
     * Starts the first listing now, on a thread of its own, for {@link #start} to take: the agent's process has its
     * listeners and drivers to set up first, and a listing of a big cluster is seconds of waiting on the store, which
     * the two can share (docs/agent.md, "Start-up of the agent"). A failure reaches start(), which throws it as its
     * own would.
     */
    void listAhead() {
        ahead = CompletableFuture.supplyAsync(this::list, task -> Thread.ofPlatform().name("jcalico-first-listing")
                .daemon().start(task));
    }

    /** Lists everything (or takes the listing started ahead), queues the listing, and watches from its revision. */
    void start() {
        stop();
        Input.Listed listed;
        if (ahead != null) {
            CompletableFuture<Input.Listed> first = ahead;
            ahead = null;
            listed = Futures.joined(first);
        } else {
            listed = list();
        }
        queue.add(listed);
        watch = datastore.watch(Keys.ROOT, listed.revision(), new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                queue.add(new Input.Changed(events));
            }

            @Override
            public void onResync(String reason) {
                queue.add(new Input.Lost(reason));
            }

            @Override
            public void onUnreachable(String reason) {
                queue.add(new Input.Unreachable(reason));
            }

            @Override
            public void onReachable() {
                queue.add(new Input.Reachable());
            }
        });
    }

    /**
     * Everything, in parts read at once and at one revision ({@link ListingParts}), each part decoded page by page as
     * it comes on a thread of its own while the store sends its next page, each page's text dropped: the values' text
     * of a whole cluster is never held at once. Each part's values go into the cache's tables on that thread too
     * ({@link ClusterCache.Part}), for the loop to join in key order once all are in.
     */
    private Input.Listed list() {
        long start = System.nanoTime();
        List<ClusterCache.Part> parts = new ArrayList<>();
        List<Consumer<List<KeyValue>>> readers = new ArrayList<>();
        for (int i = 0; i < ListingParts.AGENT; i++) {
            ClusterCache.Part part = cache.new Part();
            parts.add(part);
            readers.add(page -> page.forEach(part::add));
        }
        long revision = datastore.list(Keys.ROOT, ListingParts.byNodes(ListingParts.AGENT), readers);
        return new Input.Listed(List.copyOf(parts), revision, System.nanoTime() - start);
    }

    void stop() {
        if (watch != null) {
            watch.close();
            watch = null;
        }
    }
}
