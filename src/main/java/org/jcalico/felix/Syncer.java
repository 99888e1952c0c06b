package org.jcalico.felix;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.datastore.WatchListener;

/**
 * Feeds the agent's queue from the datastore: a full listing, then every change after it. When the watch loses
 * its place (compaction, backend trouble) the agent is told to start over with a fresh listing.
 */
final class Syncer {
    sealed interface Input {
        /** What the cache keeps of the listing, decoded (the keys it reads nothing under are left out). */
        record Listed(List<ClusterCache.Decoded> items, long revision) implements Input { }
        record Changed(List<WatchEvent> events) implements Input { }
        record Lost(String reason) implements Input { }
    }

    private final Datastore datastore;
    private final BlockingQueue<Object> queue;
    private Watch watch;

    Syncer(Datastore datastore, BlockingQueue<Object> queue) {
        this.datastore = datastore;
        this.queue = queue;
    }

    /**
     * Lists everything, queues the listing, and watches from its revision. Each page is decoded as it comes, while
     * the store sends the next, and its text dropped: the values' text of a whole cluster is never held at once.
     */
    void start() {
        stop();
        List<ClusterCache.Decoded> items = new ArrayList<>();
        long revision = datastore.list(Keys.ROOT, page -> {
            for (KeyValue item : page) {
                ClusterCache.Decoded decoded = ClusterCache.decode(item.key(), item.value());
                if (decoded != null) {
                    items.add(decoded);
                }
            }
        });
        queue.add(new Input.Listed(items, revision));
        watch = datastore.watch(Keys.ROOT, revision, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                queue.add(new Input.Changed(events));
            }

            @Override
            public void onResync(String reason) {
                queue.add(new Input.Lost(reason));
            }
        });
    }

    void stop() {
        if (watch != null) {
            watch.close();
            watch = null;
        }
    }
}
