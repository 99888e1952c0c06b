package org.jcalico.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.ValidationException;
import org.jcalico.nodes.NodeService;
import org.jcalico.resources.ProfileService;
import org.jcalico.resources.ResourceService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every datastore backend promises the rest of jcalico. A backend's test extends this class and supplies an
 * empty store; the assertions are the same for all of them.
 */
public abstract class DatastoreContract {
    private static final long WAIT_SECONDS = 5;
    protected Datastore store;

    /** A new, empty store. */
    protected abstract Datastore openEmpty() throws Exception;

    /** Drops the store's history up to the revision, as the backend's own compaction does. */
    protected abstract void compact(Datastore store, long revision) throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openEmpty();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void createGetAndListByPrefixWithExactBoundaries() {
        store.create("/a/b/1", "one");
        store.create("/a/b/2", "two");
        store.create("/a/bc/3", "three");
        store.create("/a/c", "four");
        assertEquals("one", store.get("/a/b/1").orElseThrow().value());
        assertTrue(store.get("/a/b/9").isEmpty());
        assertEquals(List.of("/a/b/1", "/a/b/2"), keys(store.list("/a/b/")));
        assertEquals(List.of("/a/b/1", "/a/b/2", "/a/bc/3"), keys(store.list("/a/b")));
        assertEquals(4, store.list("").items().size());
    }

    @Test
    void keysAloneAreTheListingsKeysInOrderOverMoreThanOnePage() {
        List<Op> puts = new ArrayList<>();
        for (int i = 0; i < 2001; i++) {
            puts.add(new Op.Put(String.format("/k/%04d", i), "{\"a value\": " + i + "}"));
            if (puts.size() == 120) {
                store.commit(puts);
                puts.clear();
            }
        }
        store.commit(puts);
        store.create("/k/", "the prefix itself");
        store.create("/k/unreadable", "{not json");
        store.create("/kx", "beside the prefix");
        List<String> keys = store.keys("/k/");
        assertEquals(keys(store.list("/k/")), keys);
        assertEquals(2003, keys.size());
        assertEquals(List.of("/k/", "/k/0000", "/k/0001"), keys.subList(0, 3));
        assertEquals(List.of("/k/2000", "/k/unreadable"), keys.subList(2001, 2003));
        assertEquals(List.of(), store.keys("/none/"));
    }

    @Test
    void aListingInPartsIsTheListingDealtOutAtOneRevision() {
        for (String key : List.of("/p/a1", "/p/a2", "/p/b", "/p/b1", "/p/c1", "/p/c2", "/pq")) {
            store.create(key, key);
        }
        Listing whole = store.list("/p/");
        List<List<String>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<java.util.function.Consumer<List<KeyValue>>> readers = new ArrayList<>();
        for (List<String> part : parts) {
            readers.add(page -> {
                // a write while the listing is read is not in it
                store.put("/p/a0", "written while the parts are read");
                page.forEach(item -> part.add(item.key()));
            });
        }
        List<String> chosenFrom = new ArrayList<>();
        long revision = store.list("/p/", new ListingParts.Splitter("/p/c", keys -> {
            chosenFrom.addAll(keys);
            return List.of("/p/b", "/p/c");
        }), readers);
        assertEquals(whole.revision(), revision);
        assertEquals(List.of("/p/c1", "/p/c2"), chosenFrom);
        assertEquals(List.of(List.of("/p/a1", "/p/a2"), List.of("/p/b", "/p/b1"), List.of("/p/c1", "/p/c2")), parts);
        assertThrows(IllegalArgumentException.class, () -> store.list("/p/", splitAt("/p/c", "/p/b"), readers));
        assertThrows(IllegalArgumentException.class, () -> store.list("/p/", splitAt("/q"), readers.subList(0, 2)));
        assertThrows(IllegalArgumentException.class, () -> store.list("/p/", splitAt("/p/b", "/p/c"), readers.subList(0, 2)));
        parts.forEach(List::clear);
        // fewer splits than parts: the last parts get nothing
        store.list("/p/", splitAt("/p/b"), readers);
        assertEquals(List.of(List.of("/p/a0", "/p/a1", "/p/a2"), List.of("/p/b", "/p/b1", "/p/c1", "/p/c2"), List.of()), parts);
    }

    private static ListingParts.Splitter splitAt(String... splits) {
        return new ListingParts.Splitter("/p/", keys -> List.of(splits));
    }

    @Test
    void severalKeysAtOnceInTheOrderAskedWithTheirRevisions() {
        long first = store.create("/m/1", "one");
        long second = store.create("/m/2", "two");
        List<java.util.Optional<KeyValue>> found = store.getAll(List.of("/m/2", "/m/none", "/m/1", "/m/2"));
        assertEquals(4, found.size());
        assertEquals("two", found.get(0).orElseThrow().value());
        assertEquals(second, found.get(0).orElseThrow().modRevision());
        assertTrue(found.get(1).isEmpty());
        assertEquals("one", found.get(2).orElseThrow().value());
        assertEquals(first, found.get(2).orElseThrow().modRevision());
        assertEquals(found.get(0), found.get(3));
        assertEquals(List.of(), store.getAll(List.of()));
    }

    @Test
    void everyCommitGetsTheNextRevisionSharedByItsWrites() {
        long first = store.create("/k1", "v");
        long second = store.commit(List.of(new Op.Create("/k2", "v"), new Op.Create("/k3", "v")));
        assertTrue(second > first);
        assertEquals(second, store.get("/k2").orElseThrow().modRevision());
        assertEquals(second, store.get("/k3").orElseThrow().modRevision());
        assertEquals(second, store.list("/").revision());
        long third = store.update("/k1", "w", first);
        KeyValue k1 = store.get("/k1").orElseThrow();
        assertEquals(first, k1.createRevision());
        assertEquals(third, k1.modRevision());
    }

    @Test
    void conditionsGuardEveryWriteAndAFailureChangesNothing() {
        long revision = store.create("/k", "v1");
        assertEquals(ConflictException.Reason.ALREADY_EXISTS,
                assertThrows(ConflictException.class, () -> store.create("/k", "again")).reason());
        assertEquals(ConflictException.Reason.REVISION_MISMATCH,
                assertThrows(ConflictException.class, () -> store.update("/k", "v2", revision + 7)).reason());
        assertEquals(ConflictException.Reason.REVISION_MISMATCH,
                assertThrows(ConflictException.class, () -> store.delete("/k", revision + 7)).reason());
        assertEquals(ConflictException.Reason.NOT_FOUND,
                assertThrows(ConflictException.class, () -> store.update("/missing", "v", 1)).reason());
        assertEquals("v1", store.get("/k").orElseThrow().value());
        assertEquals(revision, store.list("").revision(), "failed commits do not consume revisions");
        store.delete("/k", revision);
        assertTrue(store.get("/k").isEmpty());
    }

    @Test
    void aMultiWriteCommitIsAllOrNothing() {
        long revision = store.create("/existing", "v");
        Listing before = store.list("");
        assertThrows(ConflictException.class, () -> store.commit(List.of(
                new Op.Create("/new1", "v"), new Op.Put("/new2", "v"), new Op.Update("/existing", "w", revision + 1))));
        assertEquals(before, store.list(""));
    }

    @Test
    void guardsOnKeysNotWrittenDecideTheWholeCommitAndWriteNothing() {
        long revision = store.create("/g/pool", "v");
        store.commit(List.of(new Op.Create("/g/block1", "b"), new Op.Unchanged("/g/pool", revision), new Op.Absent("/g/other")));
        assertEquals("b", store.get("/g/block1").orElseThrow().value());
        Listing before = store.list("");
        assertEquals(ConflictException.Reason.REVISION_MISMATCH, assertThrows(ConflictException.class, () -> store.commit(
                List.of(new Op.Create("/g/block2", "b"), new Op.Unchanged("/g/pool", revision + 7)))).reason());
        assertEquals(ConflictException.Reason.NOT_FOUND, assertThrows(ConflictException.class, () -> store.commit(
                List.of(new Op.Create("/g/block2", "b"), new Op.Unchanged("/g/gone", revision)))).reason());
        assertEquals(ConflictException.Reason.ALREADY_EXISTS, assertThrows(ConflictException.class, () -> store.commit(
                List.of(new Op.Create("/g/block2", "b"), new Op.Absent("/g/pool")))).reason());
        assertEquals(before, store.list(""), "a failed guard writes nothing");
        store.commit(List.of(new Op.Unchanged("/g/pool", revision), new Op.Absent("/g/other")));
        assertEquals(before, store.list(""), "guards alone write nothing and take no revision");
    }

    @Test
    void noneNewerFailsWhenAKeyUnderThePrefixWasCreatedOrChangedAfterTheRevision() {
        store.create("/set/a", "1");
        store.create("/settled", "outside the prefix");
        Listing read = store.list("/set/");
        store.put("/settled", "changed, but not under /set/");
        store.commit(List.of(new Op.Create("/log/1", "x"), new Op.NoneNewer("/set/", read.revision())));
        store.create("/set/b", "2");
        assertEquals(ConflictException.Reason.REVISION_MISMATCH, assertThrows(ConflictException.class, () -> store.commit(
                List.of(new Op.Create("/log/2", "x"), new Op.NoneNewer("/set/", read.revision())))).reason());
        assertTrue(store.get("/log/2").isEmpty());
        Listing again = store.list("/set/");
        store.commit(List.of(new Op.Create("/log/2", "x"), new Op.NoneNewer("/set/", again.revision())));
        KeyValue a = store.get("/set/a").orElseThrow();
        store.update("/set/a", "changed", a.modRevision());
        assertThrows(ConflictException.class, () -> store.commit(
                List.of(new Op.Create("/log/3", "x"), new Op.NoneNewer("/set/", again.revision()))));
    }

    @Test
    void ofTwoWritersCheckingTheSameSetOnlyOneCommits() {
        Listing first = store.list("/pools/");
        Listing second = store.list("/pools/");
        store.commit(List.of(new Op.Create("/pools/10.0.0.0-16", "a"), new Op.NoneNewer("/pools/", first.revision())));
        assertThrows(ConflictException.class, () -> store.commit(
                List.of(new Op.Create("/pools/10.0.0.0-17", "b"), new Op.NoneNewer("/pools/", second.revision()))));
        assertEquals(List.of("/pools/10.0.0.0-16"), keys(store.list("/pools/")));
    }

    /**
     * Nodes registering one address at the same moment (agents starting together, each with the address it was
     * given): one is stored with it, every other fails with the address taken. The old registration read the nodes
     * and then wrote its own unguarded, so several could pass the check between another's read and write.
     */
    @Test
    void ofNodesRegisteringOneAddressAtOnceOnlyOneIsStored() throws Exception {
        assertOneStoredAndTheOthersRefused(writtenTogether(6, i -> "10.77.0.1", i -> REGISTER));
    }

    /** Nodes registering addresses of their own at the same moment are all stored: a guard that failed is tried again. */
    @Test
    void ofNodesRegisteringTheirOwnAddressesAtOnceAllAreStored() throws Exception {
        assertAllStoredWithTheirOwnAddresses(REGISTER);
    }

    /**
     * Nodes applied from files (`jcalico apply -f`) and agents registering, all with one address at the same moment:
     * one is stored, and every other fails with the address taken (the apply's check is guarded as the registration's).
     */
    @Test
    void ofNodesAppliedAndRegisteringOneAddressAtOnceOnlyOneIsStored() throws Exception {
        assertOneStoredAndTheOthersRefused(writtenTogether(6, i -> "10.77.0.1", i -> i % 3 == 0 ? REGISTER : APPLY));
    }

    /** Of six writers of 10.77.0.1, one stored its node and five were told the address is taken. */
    private void assertOneStoredAndTheOthersRefused(List<String> results) {
        assertEquals(1, results.stream().filter("registered"::equals).count(), "results: " + results);
        assertEquals(5, results.stream().filter("ipv4: '10.77.0.1' is already the address of node ..."::equals).count(),
                "results: " + results);
        assertEquals(1, new ResourceStore(store).list(Node.class).size());
    }

    /** Nodes of addresses of their own applied at the same moment are all stored: an apply whose guard failed is tried again. */
    @Test
    void ofNodesAppliedWithTheirOwnAddressesAtOnceAllAreStored() throws Exception {
        assertAllStoredWithTheirOwnAddresses(APPLY);
    }

    /** Six nodes written at once, each at an address of its own: all six stored. */
    private void assertAllStoredWithTheirOwnAddresses(NodeWriter writer) throws Exception {
        List<String> results = writtenTogether(6, i -> "10.77.0." + (i + 1), i -> writer);
        assertEquals(Collections.nCopies(6, "registered"), results);
        assertEquals(6, new ResourceStore(store).list(Node.class).size());
    }

    /**
     * `profile remove` of a tag's only carrier and `profile rule add` (or `apply`) of a rule naming that tag, at once: at
     * most one succeeds, and no rule is left naming a tag that no profile carries. Each checked the profiles it read
     * and wrote unguarded by the other's write, so both could pass (a rule of a tag nobody carries, which apply and
     * rule add refuse).
     */
    @Test
    void ofATagsCarrierRemovedWhileARuleNamingItIsAddedOneFails() throws Exception {
        List<String> bothDone = new ArrayList<>();
        for (int round = 0; round < 12; round++) {
            String carrier = "carrier" + round;
            String user = "user" + round;
            ProfileService profiles = new ProfileService(new ResourceStore(store));
            profiles.add(carrier);
            profiles.add(user);
            Rule naming = Rule.allow()
                    .withSource(new EntityMatch(carrier, null, null, null, null, null, null, null));
            CyclicBarrier together = new CyclicBarrier(2);
            Future<Boolean> removed;
            Future<Boolean> added;
            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                removed = threads.submit(() -> refusedOrDone(together, () -> new ProfileService(
                        new ResourceStore(store)).remove(carrier)));
                // the rule comes by `profile rule add`, or in odd rounds in the profile applied whole (`apply -f`)
                Profile applied = profiles.get(user).resource().withRules(Direction.INBOUND,
                        List.of(naming));
                boolean byApply = round % 2 == 1;
                added = threads.submit(() -> refusedOrDone(together, () -> {
                    ResourceStore resources = new ResourceStore(store);
                    if (byApply) {
                        new ResourceService(resources).apply(List.of(applied));
                    } else {
                        new ProfileService(resources).addRule(user, Direction.INBOUND, naming, null);
                    }
                }));
            }
            boolean ruleStored = profiles.get(user).resource().rules(Direction.INBOUND).contains(naming);
            boolean carrierGone = new ResourceStore(store).get(Profile.class, carrier).isEmpty();
            assertEquals(added.get(), ruleStored, "round " + round);
            assertEquals(removed.get(), carrierGone, "round " + round);
            if (ruleStored && carrierGone) {
                bothDone.add("round " + round);
            }
        }
        assertEquals(List.of(), bothDone, "rounds where a rule names a tag no profile carries");
    }

    /** Runs the write once the other thread is ready too: whether it was done (true) or refused by its check. */
    private static boolean refusedOrDone(CyclicBarrier together, Runnable write) throws Exception {
        together.await();
        try {
            write.run();
            return true;
        } catch (ValidationException e) {
            return false;
        }
    }

    /** How a test writes a node: as the agent registers it, or as `jcalico apply -f` applies it. */
    private interface NodeWriter {
        void write(ResourceStore resources, Node node);
    }

    private static final NodeWriter REGISTER = (resources, node) ->
            new NodeService(resources).register(node.name(), node.ipv4(), node.ipv6(), node.asNumber());
    private static final NodeWriter APPLY = (resources, node) ->
            new ResourceService(resources).apply(List.of(node));

    /** Writes nodes host0 ... at once, each at the address and in the way given for its number: each one's outcome. */
    private List<String> writtenTogether(int count, IntFunction<String> address,
            IntFunction<NodeWriter> writer) throws Exception {
        CyclicBarrier together = new CyclicBarrier(count);
        List<Future<String>> outcomes = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                Node node = new Node("host" + i,
                        IpAddress.parse(address.apply(i)), null, null);
                NodeWriter write = writer.apply(i);
                outcomes.add(threads.submit(() -> {
                    together.await();
                    try {
                        write.write(new ResourceStore(store), node);
                        return "registered";
                    } catch (ValidationException e) {
                        // an apply names the resource of its file first: "resource 1 (Node host3): ..."
                        return e.getMessage().replaceFirst("^resource 1 \\(Node host\\d+\\): ", "").replaceAll("node '.*'", "node ...");
                    }
                }));
            }
        }
        List<String> results = new ArrayList<>();
        for (Future<String> outcome : outcomes) {
            results.add(outcome.get());
        }
        return results;
    }

    @Test
    void putCreatesOrReplacesUnconditionally() {
        store.put("/p", "1");
        store.put("/p", "2");
        assertEquals("2", store.get("/p").orElseThrow().value());
    }

    @Test
    void watchReplaysFromARevisionThenFollowsLiveChangesInOrder() throws Exception {
        long start = store.create("/w/a", "1");
        store.create("/w/b", "2");
        store.create("/other/x", "3");
        Recorder recorder = new Recorder();
        try (Watch ignored = store.watch("/w/", start, recorder)) {
            List<WatchEvent> replayed = recorder.await(1);
            assertEquals("/w/b", replayed.get(0).key());
            long revision = store.get("/w/a").orElseThrow().modRevision();
            store.update("/w/a", "1b", revision);
            store.delete("/w/b", store.get("/w/b").orElseThrow().modRevision());
            store.put("/other/y", "not mine");
            List<WatchEvent> live = recorder.await(2);
            assertEquals(WatchEvent.Type.PUT, live.get(0).type());
            assertEquals("1b", live.get(0).value());
            assertEquals(WatchEvent.Type.DELETE, live.get(1).type());
            assertEquals(null, live.get(1).value());
            assertTrue(live.get(0).revision() < live.get(1).revision());
        }
    }

    @Test
    void oneCommitsEventsArriveTogetherWithOneRevision() throws Exception {
        Recorder recorder = new Recorder();
        try (Watch ignored = store.watch("/", store.list("").revision(), recorder)) {
            long revision = store.commit(List.of(new Op.Create("/m/1", "a"), new Op.Create("/m/2", "b")));
            List<WatchEvent> events = recorder.await(2);
            assertEquals(List.of(revision, revision), events.stream().map(WatchEvent::revision).toList());
        }
    }

    @Test
    void closingAWatchStopsDeliveries() throws Exception {
        Recorder recorder = new Recorder();
        Watch watch = store.watch("/", store.list("").revision(), recorder);
        store.create("/c/1", "v");
        recorder.await(1);
        watch.close();
        store.create("/c/2", "v");
        Thread.sleep(300);
        assertEquals(0, recorder.events.size());
    }

    @Test
    void aWatcherWhoseRevisionWasCompactedIsToldToResync() throws Exception {
        long old = store.create("/r/1", "v");
        store.create("/r/2", "v");
        long latest = store.create("/r/3", "v");
        compact(store, latest);
        Recorder recorder = new Recorder();
        try (Watch ignored = store.watch("/r/", old, recorder)) {
            assertTrue(recorder.resyncs.poll(WAIT_SECONDS, TimeUnit.SECONDS) != null, "no resync signal");
        }
        Recorder current = new Recorder();
        try (Watch ignored = store.watch("/r/", latest, current)) {
            store.create("/r/4", "v");
            assertEquals("/r/4", current.await(1).get(0).key());
        }
    }

    private static List<String> keys(Listing listing) {
        return listing.items().stream().map(KeyValue::key).toList();
    }

    /** Collects what a watch delivers, for assertions with a time limit. */
    public static final class Recorder implements WatchListener {
        public final LinkedBlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        public final LinkedBlockingQueue<String> resyncs = new LinkedBlockingQueue<>();

        @Override
        public void onEvents(List<WatchEvent> batch) {
            events.addAll(batch);
        }

        @Override
        public void onResync(String reason) {
            resyncs.add(reason);
        }

        public List<WatchEvent> await(int count) throws InterruptedException {
            List<WatchEvent> received = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (received.size() < count && System.nanoTime() < deadline) {
                WatchEvent event = events.poll(10, TimeUnit.MILLISECONDS);
                if (event != null) {
                    received.add(event);
                }
            }
            assertEquals(count, received.size(), "events received: " + received);
            return received;
        }
    }
}
