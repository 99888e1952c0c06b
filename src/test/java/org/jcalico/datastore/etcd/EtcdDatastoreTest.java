package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreContract;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @Test
    void aListingLongerThanOnePageComesWholeInOrderAtOneRevision() {
        try (Datastore store = openEmpty()) {
            for (int batch = 0; batch < 45; batch++) {
                List<Op> ops = new java.util.ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    ops.add(new Op.Create(String.format("/paging/%05d", batch * 100 + i), "v"));
                }
                store.commit(ops);
            }
            long revision = store.commit(List.of(new Op.Create("/paging-other", "not listed")));
            Listing listing = store.list("/paging/");
            assertEquals(4500, listing.items().size());
            assertEquals(String.format("/paging/%05d", 0), listing.items().get(0).key());
            assertEquals(String.format("/paging/%05d", 4499), listing.items().getLast().key());
            assertEquals(revision, listing.revision());

            // handed over page by page, each asked for while the one before is read: the same keys at one revision,
            // though a key is written while the first page is being read
            List<List<KeyValue>> pages = new java.util.ArrayList<>();
            long paged = store.list("/paging/", page -> {
                if (pages.isEmpty()) {
                    store.commit(List.of(new Op.Create("/paging/04499x", "written while the listing is read")));
                }
                pages.add(page);
            });
            assertEquals(revision, paged);
            assertTrue(pages.size() > 1, "pages: " + pages.size());
            assertEquals(listing.items(), pages.stream().flatMap(List::stream).toList());
        }
    }
}
