package org.jcalico.felix;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.datastore.WatchListener;

/**
 * Feeds the agent's queue from the datastore: a full listing, then every change after it. When the watch loses
 * its place (compaction, backend trouble) the agent is told to start over with a fresh listing.
 */
final class Syncer {
    sealed interface Input {
        record Listed(List<KeyValue> items, long revision) implements Input { }
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

    /** Lists everything, queues the listing, and watches from its revision. */
    void start() {
        stop();
        Listing listing = datastore.list(Keys.ROOT);
        queue.add(new Input.Listed(listing.items(), listing.revision()));
        watch = datastore.watch(Keys.ROOT, listing.revision(), new WatchListener() {
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
