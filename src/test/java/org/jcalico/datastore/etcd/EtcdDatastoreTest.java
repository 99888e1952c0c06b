package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreContract;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.ListingParts;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.Watch;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same contract as the embedded store, against a real etcd started for this class. */
class EtcdDatastoreTest extends DatastoreContract {
    /** What the endless member sends at most, then it holds the connection silently: four times the bound. */
    private static final long SENT_AT_MOST = 4L * EtcdGrpc.MAX_ANSWER;
    /** What the client may have taken beyond the bound when it hangs up: the socket buffers' share. */
    private static final long SLACK = 16 << 20;
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

    /**
     * A commit etcd cannot take whole (`apply -f` of a file of 200 profiles is 200 writes in one transaction; one value
     * over its request size) is refused with the limit it met and what to do, and nothing of it is written: the old
     * message was etcd's own, "too many operations in txn request", which says neither.
     */
    @Test
    void aCommitOverEtcdsLimitsSaysWhichLimitAndWritesNothing() {
        try (Datastore store = openEmpty()) {
            List<Op> many = java.util.stream.IntStream.range(0, 200).<Op>mapToObj(i -> new Op.Create("/many/" + i, "v")).toList();
            DatastoreException tooMany = assertThrows(DatastoreException.class, () -> store.commit(many));
            assertTrue(tooMany.getMessage().endsWith("etcdserver: too many operations in txn request (etcd takes at most 128"
                    + " operations in one transaction unless started with a higher --max-txn-ops; apply fewer resources at once)"),
                    tooMany.getMessage());
            DatastoreException tooLarge = assertThrows(DatastoreException.class, () -> store.create("/large", "v".repeat(1_700_000)));
            assertTrue(tooLarge.getMessage().endsWith("etcdserver: request is too large (etcd takes a request of at most 1.5 MiB"
                    + " unless started with a higher --max-request-bytes; apply fewer resources at once)"), tooLarge.getMessage());
            assertEquals(List.of(), store.list("/").items());
        }
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

    /**
     * The agent lists in parts read at once (ListingParts): they must be one revision though writes go on meanwhile,
     * and a watch from that revision must bring every later change. A writer sets the last key of every part to the
     * same number in each of its transactions, while part 0 is read slowly; a part read at a revision of its own
     * would show another number than the rest.
     */
    @Test
    void partsReadAtOnceAreOneRevisionAndAWatchFromItMissesNothing() throws Exception {
        List<String> parts = List.of("/parts/a/", "/parts/b/", "/parts/c/");
        try (Datastore store = openEmpty()) {
            for (String part : parts) {
                for (int batch = 0; batch < 25; batch++) {
                    List<Op> ops = new java.util.ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        ops.add(new Op.Create(String.format("%s%05d", part, batch * 100 + i), "v"));
                    }
                    store.commit(ops);
                }
            }
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = Thread.ofPlatform().start(() -> {
                for (int n = 0; writing.get(); n++) {
                    String value = String.valueOf(n);
                    store.commit(parts.stream().<Op>map(part -> new Op.Put(part + "last", value)).toList());
                }
            });
            try {
                Thread.sleep(100);
                java.util.Map<String, String> listed = new java.util.concurrent.ConcurrentHashMap<>();
                List<java.util.function.Consumer<List<KeyValue>>> readers = new java.util.ArrayList<>();
                for (int i = 0; i < parts.size(); i++) {
                    boolean slow = i == 0;
                    readers.add(page -> {
                        page.forEach(item -> listed.put(item.key(), item.value()));
                        if (slow) {
                            try {
                                Thread.sleep(300);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    });
                }
                long revision = store.list("/parts/", new ListingParts.Splitter("/parts/", keys -> List.of("/parts/b/", "/parts/c/")),
                        readers);
                assertEquals(3 * 2501, listed.size());
                List<String> lasts = parts.stream().map(part -> listed.get(part + "last")).toList();
                assertEquals(1, lasts.stream().distinct().count(), "one revision's values: " + lasts);

                // the watch from the listing's revision brings what was written after it, so listing plus events is
                // the store as it is once the writer stops
                java.util.concurrent.LinkedBlockingQueue<org.jcalico.datastore.WatchEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
                try (org.jcalico.datastore.Watch ignored = store.watch("/parts/", revision, new org.jcalico.datastore.WatchListener() {
                    @Override
                    public void onEvents(List<org.jcalico.datastore.WatchEvent> batch) {
                        events.addAll(batch);
                    }

                    @Override
                    public void onResync(String reason) {
                        throw new AssertionError(reason);
                    }
                })) {
                    Thread.sleep(200);
                    writing.set(false);
                    writer.join();
                    Listing end = store.list("/parts/");
                    long deadline = System.currentTimeMillis() + 10_000;
                    java.util.Map<String, String> followed = new java.util.HashMap<>(listed);
                    while (!followed.equals(asMap(end)) && System.currentTimeMillis() < deadline) {
                        org.jcalico.datastore.WatchEvent event = events.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                        if (event != null) {
                            followed.put(event.key(), event.value());
                        }
                    }
                    assertEquals(asMap(end), followed);
                }
            } finally {
                writing.set(false);
                writer.join();
            }
        }
    }

    /**
     * The keys a listing in parts is split at are read without their values, over the listing's own connections: the
     * agent's listing is split among the nodes' keys, and read the nodes' values (with every other key's) over the JSON
     * gateway first, before its first gRPC request (docs/agent.md, "Start-up of the agent", session 38). Here the keys
     * split among carry a megabyte of values, which nothing may read.
     */
    @Test
    void aListingInPartsReadsTheKeysItIsSplitAmongWithoutTheirValues() throws Exception {
        try (Datastore store = openEmpty(); SeverableProxy counted = new SeverableProxy(etcd.port())) {
            String big = "v".repeat(20_000);
            for (int i = 0; i < 50; i++) {
                store.create(String.format("/split/nodes/n%02d", i), big);
            }
            for (int i = 0; i < 100; i++) {
                store.create(String.format("/split/x/n%02d/e%d", i / 2, i % 2), "small");
            }
            try (Datastore through = Datastores.open("etcd://127.0.0.1:" + counted.port())) {
                long before = counted.answered();
                List<String> keys = new java.util.ArrayList<>();
                List<List<KeyValue>> parts = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
                through.list("/split/x/", new ListingParts.Splitter("/split/nodes/", nodes -> {
                    keys.addAll(nodes);
                    return List.of("/split/x/" + nodes.get(nodes.size() / 2).substring("/split/nodes/".length()) + "/");
                }), parts.stream().<java.util.function.Consumer<List<KeyValue>>>map(part -> part::addAll).toList());
                long answered = counted.answered() - before;
                assertEquals(50, keys.size());
                assertEquals(store.list("/split/x/").items(), parts.stream().flatMap(List::stream).toList());
                assertEquals(50, parts.get(0).size());
                assertTrue(answered < 100_000, "the listing read " + answered + " bytes: the values of the keys it split among");
            }
        }
    }

    /**
     * The agent's listing over gRPC passes over a member that refuses connections and one that hangs up on every call
     * (each part starts at a member of its own), and reads what the gateway reads.
     */
    @Test
    void aListingInPartsPassesOverMembersThatDoNotAnswer() throws Exception {
        try (Datastore store = openEmpty(); SeverableProxy hangsUp = new SeverableProxy(etcd.port())) {
            for (int batch = 0; batch < 30; batch++) {
                List<Op> ops = new java.util.ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    ops.add(new Op.Create(String.format("/failover/%c/%05d", 'a' + batch % 3, batch * 100 + i), "v" + i));
                }
                store.commit(ops);
            }
            hangsUp.sever();
            int refusing;
            try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                refusing = closed.getLocalPort();
            }
            String url = "etcd://127.0.0.1:" + refusing + ",127.0.0.1:" + hangsUp.port() + "," + etcd.url().substring("etcd://".length());
            try (Datastore members = Datastores.open(url)) {
                List<List<KeyValue>> parts = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>(), new java.util.ArrayList<>());
                long revision = members.list("/failover/",
                        new ListingParts.Splitter("/failover/a/", keys -> List.of("/failover/b/", "/failover/c/")),
                        parts.stream().<java.util.function.Consumer<List<KeyValue>>>map(part -> part::addAll).toList());
                Listing whole = store.list("/failover/");
                assertEquals(whole.revision(), revision);
                assertEquals(whole.items(), parts.stream().flatMap(List::stream).toList());
                assertEquals(1000, parts.get(1).size());
            }
        }
    }

    /**
     * A member cut off in the middle of its answer (a partition after the first bytes: no reset ever comes) is given up
     * after seconds of silence and the call goes to the next member; it waited for ever, and so did the agent's loop or
     * the command that made the call.
     */
    @Test
    void aMemberSilentInTheMiddleOfItsAnswerIsPassedOver() throws Exception {
        try (Datastore store = openEmpty(); SeverableProxy cut = new SeverableProxy(etcd.port())) {
            List<Op> ops = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ops.add(new Op.Create(String.format("/midanswer/%05d", i), "v".repeat(100)));
            }
            store.commit(ops);
            cut.cutAnswersAfter(2_000);
            String url = "etcd://127.0.0.1:" + cut.port() + "," + etcd.url().substring("etcd://".length());
            try (Datastore members = Datastores.open(url)) {
                long start = System.nanoTime();
                Listing listed = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                        () -> members.list("/midanswer/"));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(store.list("/midanswer/").items(), listed.items());
                assertTrue(cut.accepted() >= 1, "the first member was asked");
                assertTrue(millis < 20_000, "passed over after " + millis + " ms");
            }
        }
    }

    /**
     * A write whose answer is lost after it reached a member (the member applied it; its answer never came back) is
     * tried at the next member, where its own write makes its condition fail: it is not reported as a conflict with
     * itself. Reported so, IPAM retried the allocation and gave the handle a second address. A write that did not
     * apply stays a conflict.
     */
    @Test
    void aWriteWhoseAnswerWasLostIsNotAConflictWithItself() throws Exception {
        try (Datastore store = openEmpty(); SeverableProxy cut = new SeverableProxy(etcd.port())) {
            long created = store.create("/lostanswer/block", "free");
            long other = store.create("/lostanswer/other", "free");
            store.update("/lostanswer/other", "taken by someone else", other);
            String url = "etcd://127.0.0.1:" + cut.port() + "," + etcd.url().substring("etcd://".length());
            try (Datastore members = Datastores.open(url)) {
                cut.loseTheNextAnswer();
                long written = members.update("/lostanswer/block", "allocated to handle h", created);
                KeyValue now = store.get("/lostanswer/block").orElseThrow();
                assertEquals("allocated to handle h", now.value());
                assertEquals(now.modRevision(), written, "the revision the write made");
                cut.loseTheNextAnswer();
                org.junit.jupiter.api.Assertions.assertThrows(ConflictException.class,
                        () -> members.update("/lostanswer/other", "allocated to handle h", other));
                assertEquals("taken by someone else", store.get("/lostanswer/other").orElseThrow().value());
            }
        }
    }

    /**
     * With one member, a connection that closes before any answer (a kept-alive one the member or the network dropped,
     * or the member failing right after its commit) is not the member being unreachable: the call is sent again on a
     * new connection, and a write that had applied is told from a conflict as with several members. Before, the call
     * failed "etcd not reachable ...: HTTP/1.1 header parser received no bytes" (BlockReserveTest[etcd] in CI, session 59,
     * and again in session 60), and with it the command or the agent's write.
     */
    @Test
    void withOneMemberAConnectionClosedBeforeItsAnswerIsNotAnUnreachableMember() throws Exception {
        try (Datastore store = openEmpty(); SeverableProxy cut = new SeverableProxy(etcd.port())) {
            long created = store.create("/oneclosed/block", "free");
            try (Datastore member = Datastores.open("etcd://127.0.0.1:" + cut.port())) {
                assertEquals("free", member.get("/oneclosed/block").orElseThrow().value());
                cut.loseTheNextAnswer();
                long written = member.update("/oneclosed/block", "allocated to handle h", created);
                KeyValue now = store.get("/oneclosed/block").orElseThrow();
                assertEquals("allocated to handle h", now.value());
                assertEquals(now.modRevision(), written, "the revision the write made");
                cut.loseTheNextAnswer();
                assertEquals("allocated to handle h", member.get("/oneclosed/block").orElseThrow().value(),
                        "a read whose connection closed is read again");
            }
        }
    }

    private static java.util.Map<String, String> asMap(Listing listing) {
        java.util.Map<String, String> map = new java.util.HashMap<>();
        listing.items().forEach(item -> map.put(item.key(), item.value()));
        return map;
    }

    /**
     * A member (or a proxy in front of one) that answers without end cannot fill the heap of whoever reads it: the
     * answer is given up once larger than any etcd answer ({@link EtcdGrpc#MAX_ANSWER}) and the call goes to the next
     * member. Read whole, the answer grew a JSON tree until the heap was full (here: until the member stopped).
     */
    @Test
    void aMemberAnsweringWithoutEndIsGivenUpAndTheNextAnswers() throws Exception {
        try (EndlessMember endless = new EndlessMember(); Datastore store = openEmpty()) {
            store.create("/endless/unary", "v");
            String url = "etcd://127.0.0.1:" + endless.port() + "," + etcd.url().substring("etcd://".length());
            try (Datastore members = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Datastores.open(url))) {
                long taken = endless.hungUp.poll(10, TimeUnit.SECONDS);
                assertTrue(taken <= EtcdGrpc.MAX_ANSWER + SLACK, "the client took " + (taken >> 20) + " MiB of one answer");
                assertEquals("v", assertTimeoutPreemptively(Duration.ofSeconds(60),
                        () -> members.get("/endless/unary")).orElseThrow().value());
            }
        }
    }

    /** The same for a watch, whose stream never ends: each of its lines is an answer, bounded as one. */
    @Test
    void aWatchLineWithoutEndIsGivenUp() throws Exception {
        try (EndlessMember endless = new EndlessMember(); Datastore store = openEmpty()) {
            // the watch's stream goes to the endless member, the first; the open's call is passed on to etcd
            String url = "etcd://127.0.0.1:" + endless.port() + "," + etcd.url().substring("etcd://".length());
            try (Datastore members = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Datastores.open(url))) {
                endless.hungUp.poll(10, TimeUnit.SECONDS);
                try (Watch ignored = members.watch("/endless/", store.list("").revision(), new Recorder())) {
                    Long taken = endless.hungUp.poll(60, TimeUnit.SECONDS);
                    assertTrue(taken != null && taken <= EtcdGrpc.MAX_ANSWER + SLACK,
                            "the watch took " + (taken == null ? "all" : (taken >> 20) + " MiB") + " of one line");
                }
            }
        }
    }

    /**
     * Answers every call with status 200 and a JSON answer that never ends (a watch's: one line without end), in chunks,
     * up to {@link #SENT_AT_MOST}, then holds the connection; tells how much it had sent when the client hung up.
     */
    private static final class EndlessMember implements AutoCloseable {
        private final ServerSocket server;
        final BlockingQueue<Long> hungUp = new LinkedBlockingQueue<>();

        EndlessMember() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Thread.ofVirtual().start(() -> serve(client));
                    } catch (IOException e) {
                        // closed: done
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket client) {
            long sent = 0;
            try (client; InputStream in = new BufferedInputStream(client.getInputStream()); OutputStream out = client.getOutputStream()) {
                String path = skipRequest(in);
                String start = path.endsWith("/v3/watch") ? "{\"result\":{\"header\":{},\"events\":[" : "{\"header\":{},\"kvs\":[";
                String value = "QUFB".repeat(16 << 10);
                byte[] item = ("{\"kv\":{\"key\":\"YQ==\",\"value\":\"" + value + "\"}},").getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                chunk(out, start.getBytes(StandardCharsets.US_ASCII));
                while (sent < SENT_AT_MOST) {
                    chunk(out, item);
                    sent += item.length;
                }
                out.flush();
                while (in.read() >= 0) {
                    // silent until the client hangs up
                }
            } catch (IOException e) {
                // the client hung up
            }
            hungUp.add(sent);
        }

        /** Reads a request's head and body; its path. */
        private static String skipRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("no request");
                }
                head.append((char) b);
            }
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).strip());
                }
            }
            in.readNBytes(length);
            return head.toString().split(" ")[1];
        }

        private static void chunk(OutputStream out, byte[] data) throws IOException {
            out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
