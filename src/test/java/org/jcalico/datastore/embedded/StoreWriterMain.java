package org.jcalico.datastore.embedded;

import java.nio.file.Path;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.KeyValue;

/** A second process for the embedded store's tests: writes timestamped keys, or increments a counter by CAS. */
public final class StoreWriterMain {
    private StoreWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        org.jcalico.cli.Main.quietLibraryLogging();
        try (EmbeddedDatastore store = EmbeddedDatastore.open(Path.of(args[0]))) {
            int count = Integer.parseInt(args[2]);
            if (args[1].equals("timestamps")) {
                for (int i = 0; i < count; i++) {
                    store.put("/latency/" + i, Long.toString(System.nanoTime()));
                    Thread.sleep(20);
                }
            } else {
                for (int done = 0; done < count; ) {
                    KeyValue counter = store.get("/counter").orElseThrow();
                    try {
                        store.update("/counter", Long.toString(Long.parseLong(counter.value()) + 1), counter.modRevision());
                        done++;
                    } catch (ConflictException e) {
                        // another process got there first: read again and retry
                    }
                }
            }
        }
    }
}
