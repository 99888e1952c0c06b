package org.jcalico.testing;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.junit.jupiter.api.Assumptions;

/** The two datastore backends a race test runs on, each a new store of the test's own. */
public final class Backends {
    private Backends() {
    }

    /**
     * Runs the test on a new store of the backend: "embedded" (a file in {@code dir}) or "etcd" (a real etcd of its
     * own, skipped where etcd is not installed).
     */
    public static void on(String backend, Path dir, Consumer<Datastore> test) throws Exception {
        if (backend.equals("embedded")) {
            try (Datastore store = Datastores.open("embedded:" + dir.resolve("store.db"))) {
                test.accept(store);
            }
            return;
        }
        Assumptions.assumeTrue(EtcdFixture.installed(), "etcd is not installed");
        try (EtcdFixture etcd = EtcdFixture.start(); Datastore store = Datastores.open(etcd.url())) {
            test.accept(store);
        }
    }
}
