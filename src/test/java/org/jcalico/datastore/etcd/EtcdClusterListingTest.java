package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's listing over gRPC against a real cluster of three etcd members, one of which is stopped (SIGTERM: etcd
 * ends its HTTP/2 connections with GOAWAY) while a part reads from it.
 */
class EtcdClusterListingTest {
    private static final int KEYS_PER_PART = 8000;
    private static List<EtcdFixture> cluster = List.of();

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        cluster = EtcdFixture.cluster(3);
        String value = "v".repeat(500);
        try (Datastore store = Datastores.open(url())) {
            for (char part = 'a'; part <= 'c'; part++) {
                for (int batch = 0; batch < KEYS_PER_PART / 100; batch++) {
                    List<Op> ops = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        ops.add(new Op.Create(String.format("/cluster/%c/%05d", part, batch * 100 + i), value));
                    }
                    store.commit(ops);
                }
            }
        }
    }

    @AfterAll
    static void stopCluster() {
        cluster.forEach(EtcdFixture::close);
    }

    private static String url() {
        return url(cluster);
    }

    private static String url(List<EtcdFixture> members) {
        return "etcd://" + String.join(",", members.stream().map(member -> "127.0.0.1:" + member.port()).toList());
    }

    /**
     * The listing in three parts over MEMBERS (part i starts at member i), with part 1's first page handed to AFTER_FIRST_PAGE
     * before it is taken (its second page is being read meanwhile); what was listed, checked whole against a listing
     * of member 0 over the gateway, and how many pages part 1 read after its first.
     */
    private static int listWhole(List<EtcdFixture> members, Runnable afterFirstPage) {
        List<List<KeyValue>> parts = Stream.<List<KeyValue>>generate(() -> Collections.synchronizedList(new ArrayList<>()))
                .limit(3).toList();
        List<Integer> later = Collections.synchronizedList(new ArrayList<>());
        List<Consumer<List<KeyValue>>> readers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<KeyValue> part = parts.get(i);
            boolean watched = i == 1;
            readers.add(page -> {
                if (watched && part.isEmpty()) {
                    // once the other parts are read: part 1 alone then meets what AFTER_FIRST_PAGE did, not cleaned up
                    // after by their calls
                    awaitWhole(parts.get(0));
                    awaitWhole(parts.get(2));
                    afterFirstPage.run();
                } else if (watched) {
                    later.add(page.size());
                }
                part.addAll(page);
            });
        }
        try (Datastore store = Datastores.open(url(members))) {
            long revision = store.list("/cluster/", new org.jcalico.datastore.ListingParts.Splitter("/cluster/", keys -> List.of("/cluster/b/", "/cluster/c/")),
                    readers);
            try (Datastore first = Datastores.open("etcd://127.0.0.1:" + cluster.get(0).port())) {
                Listing whole = first.list("/cluster/");
                assertEquals(whole.revision(), revision);
                assertEquals(3 * KEYS_PER_PART, whole.items().size());
                List<KeyValue> listed = parts.stream().flatMap(List::stream).toList();
                assertEquals(whole.items().size(), listed.size());
                assertEquals(whole.items(), listed);
            }
        }
        return later.size();
    }

    private static void awaitWhole(List<KeyValue> part) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (part.size() < KEYS_PER_PART && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Member 1 is stopped as part 1 (which starts there) hands on its first page, its second being read from the
     * member meanwhile: the listing is whole and at one revision, read on from the members left, never part of it.
     */
    @Test
    void aMemberStoppedWhileAPartReadsFromItLeavesTheListingWhole() throws Exception {
        try {
            int later = listWhole(cluster, () -> cluster.get(1).stop());
            assertTrue(later >= 3, "part 1 read on after its member stopped: " + later + " pages");
        } finally {
            cluster.get(1).restart();
        }
    }

    /**
     * The listing asks members 0 and 2 only, and both are restarted in turn (each closing the listing's connection to
     * it with GOAWAY; member 1 keeps the quorum) as part 1 hands on its first page: the members are back, so the
     * listing goes on over new connections to them, and is whole.
     */
    @Test
    void everyMemberListedRestartedDuringTheListingLeavesItWhole() {
        List<EtcdFixture> listed = List.of(cluster.get(0), cluster.get(2));
        int later = listWhole(listed, () -> listed.forEach(member -> {
            try {
                member.restart();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        assertTrue(later >= 3, "part 1 read on after the restarts: " + later + " pages");
    }
}
