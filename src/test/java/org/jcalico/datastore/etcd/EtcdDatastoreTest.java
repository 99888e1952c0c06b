package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreContract;
import org.jcalico.datastore.Datastores;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The same contract as the embedded store, against a real etcd started for this class. */
class EtcdDatastoreTest extends DatastoreContract {
    private static EtcdFixture etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        etcd = EtcdFixture.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    /** One etcd serves every test: each starts from an empty keyspace (revisions go on counting, as they may). */
    @Override
    protected Datastore openEmpty() {
        Datastore store = Datastores.open(etcd.url());
        var all = store.list("");
        for (var item : all.items()) {
            store.delete(item.key(), item.modRevision());
        }
        return store;
    }

    @Override
    protected void compact(Datastore store, long revision) {
        ((EtcdDatastore) store).compact(revision);
    }
}
