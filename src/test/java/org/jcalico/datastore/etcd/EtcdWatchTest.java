package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.DatastoreContract.Recorder;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the contract cannot show: a watch whose connection to etcd breaks while it runs. It must pick up where it
 * left off, or, if etcd compacted that history meanwhile, say so with a resync signal rather than go silent.
 */
class EtcdWatchTest {
    private static final int WAIT_SECONDS = 10;
    /** Three of the test etcd's progress notifications (one a second). */
    private static final Duration DEADLINE = Duration.ofSeconds(3);
    private static EtcdFixture etcd;
    private SeverableProxy network;
    private EtcdDatastore direct;
    private EtcdDatastore watcher;

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

    @BeforeEach
    void connect() throws Exception {
        network = new SeverableProxy(etcd.port());
        direct = EtcdDatastore.open(etcd.url());
        watcher = EtcdDatastore.open("etcd://127.0.0.1:" + network.port());
    }

    @AfterEach
    void disconnect() {
        watcher.close();
        direct.close();
        network.close();
    }

    @Test
    void aBrokenStreamResumesFromItsLastRevisionWithoutGapOrRepeat() throws Exception {
        Recorder recorder = new Recorder();
        try (Watch ignored = watcher.watch("/resume/", direct.list("").revision(), recorder)) {
            direct.create("/resume/1", "v");
            assertEquals("/resume/1", recorder.await(1).get(0).key());
            network.sever();
            direct.create("/resume/2", "v");
            direct.create("/resume/3", "v");
            network.mend();
            assertEquals(List.of("/resume/2", "/resume/3"), recorder.await(2).stream().map(WatchEvent::key).toList());
            assertNull(recorder.events.poll(1, TimeUnit.SECONDS), "nothing repeated");
            assertTrue(recorder.resyncs.isEmpty(), "no resync needed: " + recorder.resyncs);
        }
    }

    /**
     * A watch that no member answers goes on trying, and tells its listener once, and again once it reaches etcd, so
     * that the agent's status can say disconnected meanwhile (session 69, t-prompt: it reconnected in silence).
     */
    @Test
    void aWatchThatCannotReachEtcdSaysSoOnceAndAgainWhenItDoes() throws Exception {
        java.util.concurrent.BlockingQueue<String> told = new java.util.concurrent.LinkedBlockingQueue<>();
        org.jcalico.datastore.WatchListener listener = new org.jcalico.datastore.WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                events.forEach(event -> told.add(event.key()));
            }

            @Override
            public void onResync(String reason) {
                told.add("resync: " + reason);
            }

            @Override
            public void onUnreachable(String reason) {
                told.add("unreachable: " + reason);
            }

            @Override
            public void onReachable() {
                told.add("reachable");
            }
        };
        try (Watch ignored = watcher.watch("/reach/", direct.list("").revision(), listener)) {
            network.sever();
            direct.create("/reach/1", "v");
            String unreachable = told.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(String.valueOf(unreachable).startsWith("unreachable: etcd not reachable at [http://127.0.0.1:"
                    + network.port() + "/]: "), unreachable);
            assertNull(told.poll(2, TimeUnit.SECONDS), "said once, though tried again every half second");
            network.mend();
            assertEquals("reachable", told.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals("/reach/1", told.poll(WAIT_SECONDS, TimeUnit.SECONDS), "what was written meanwhile, after");
        }
    }

    @Test
    void aStreamThatFallsSilentIsReconnectedAfterItsDeadline() throws Exception {
        try (EtcdDatastore impatient = EtcdDatastore.open("etcd://127.0.0.1:" + network.port(), DEADLINE)) {
            Recorder recorder = new Recorder();
            impatient.watch("/silent/", direct.list("").revision(), recorder);
            direct.create("/silent/1", "v");
            assertEquals("/silent/1", recorder.await(1).get(0).key());
            network.silenceOpenConnections();
            direct.create("/silent/2", "v");
            assertEquals("/silent/2", recorder.await(1).get(0).key(), "delivered over a new stream after the deadline");
            assertTrue(recorder.resyncs.isEmpty(), "no resync needed: " + recorder.resyncs);
        }
    }

    @Test
    void aQuietHealthyStreamIsKeptAliveByEtcdsProgressNotifications() throws Exception {
        try (EtcdDatastore impatient = EtcdDatastore.open("etcd://127.0.0.1:" + network.port(), DEADLINE)) {
            Recorder recorder = new Recorder();
            impatient.watch("/quiet/", direct.list("").revision(), recorder);
            Thread.sleep(DEADLINE.toMillis() / 2);
            int connections = network.accepted();
            // a stream silent past its deadline is closed within a quarter deadline more (EtcdWatch.enforceDeadline):
            // twice the deadline sees a renewal if the notifications were not heard (it waited three times)
            Thread.sleep(DEADLINE.toMillis() * 2);
            assertEquals(connections, network.accepted(), "the stream was kept, not renewed");
            direct.create("/quiet/1", "v");
            assertEquals("/quiet/1", recorder.await(1).get(0).key());
        }
    }

    @Test
    void aWatchThatFellBehindACompactionWhileCutOffIsToldToResync() throws Exception {
        Recorder recorder = new Recorder();
        try (Watch ignored = watcher.watch("/behind/", direct.list("").revision(), recorder)) {
            direct.create("/behind/1", "v");
            assertEquals("/behind/1", recorder.await(1).get(0).key());
            network.sever();
            direct.create("/behind/2", "v");
            long latest = direct.create("/behind/3", "v");
            direct.compact(latest);
            network.mend();
            String reason = recorder.resyncs.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(reason, "a resync signal, not silence");
            assertTrue(reason.contains("compacted"), reason);
            assertTrue(recorder.events.isEmpty(), "nothing delivered across the gap: " + recorder.events);
            direct.create("/behind/4", "v");
            assertNull(recorder.events.poll(1, TimeUnit.SECONDS), "the watch has ended; the receiver starts a new one");
            assertTrue(recorder.resyncs.isEmpty(), "one signal: " + recorder.resyncs);
        }
    }
}
