package org.jcalico.datastore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.datastore.WatchListener;

/**
 * One etcd watch stream on its own daemon thread. If the stream breaks (a member went away), it reconnects from the
 * last revision it delivered, so nothing is missed or repeated; if that revision was compacted, the listener is
 * told to resync and the watch ends. A stream that stays silent past its deadline is taken for dead and reconnected
 * the same way: the watch only reads, so a connection whose packets are dropped, or whose peer is gone without a
 * reset reaching us, would otherwise keep it waiting forever. etcd's progress notifications keep a healthy quiet
 * stream talking where etcd sends them more often than the deadline; elsewhere a quiet stream is merely renewed.
 */
final class EtcdWatch implements Watch {
    private static final long RETRY_MILLIS = 500;
    private final long deadlineNanos;
    private final EtcdClient client;
    private final ObjectNode range;
    private final WatchListener listener;
    private final Consumer<EtcdWatch> onClose;
    private final Thread thread;
    private volatile boolean open = true;
    private volatile Stream<String> current;
    private volatile long heardAt;
    private long delivered;
    /** The last reconnection found no member answering (the listener was told); the loop's own. */
    private boolean unreachable;

    EtcdWatch(EtcdClient client, ObjectNode range, long afterRevision, WatchListener listener, Consumer<EtcdWatch> onClose,
              Duration deadline) {
        this.deadlineNanos = deadline.toNanos();
        this.client = client;
        this.range = range;
        this.listener = listener;
        this.onClose = onClose;
        this.delivered = afterRevision;
        this.thread = Thread.ofPlatform().daemon().name("jcalico-etcd-watch").start(this::loop);
        Thread.ofVirtual().name("jcalico-etcd-watch-deadline").start(this::enforceDeadline);
    }

    private void loop() {
        while (open) {
            ObjectNode create = range.deepCopy().put("start_revision", String.valueOf(delivered + 1)).put("progress_notify", true);
            ObjectNode request = EtcdClient.object();
            request.set("create_request", create);
            Stream<String> opened;
            try {
                opened = client.stream("v3/watch", request);
            } catch (IOException | RuntimeException e) {
                // no member answered: the agent's status says so until one does (docs/agent.md, "Session 69 (t-prompt)")
                if (!unreachable && open) {
                    unreachable = true;
                    listener.onUnreachable(client.unreachable(e.getMessage() == null ? e.toString() : e.getMessage()));
                }
                sleep();
                continue;
            } catch (InterruptedException e) {
                return;
            }
            if (unreachable) {
                unreachable = false;
                listener.onReachable();
            }
            try (Stream<String> lines = opened) {
                heardAt = System.nanoTime();
                current = lines;
                for (String line : (Iterable<String>) lines::iterator) {
                    heardAt = System.nanoTime();
                    if (!open || !handle(EtcdClient.JSON.readTree(line).path("result"))) {
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the member went away, the stream broke or fell silent: reconnect from the last delivered revision
            }
            sleep();
        }
    }

    /** Closes the current stream once it has been silent past the deadline, which makes the loop reconnect. */
    private void enforceDeadline() {
        while (open) {
            Stream<String> stream = current;
            if (stream != null && System.nanoTime() - heardAt > deadlineNanos) {
                stream.close();
            }
            try {
                Thread.sleep(Duration.ofNanos(deadlineNanos / 4));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** @return false when the watch has ended (compacted past, or cancelled by etcd) */
    private boolean handle(JsonNode result) {
        long compacted = result.path("compact_revision").asLong(0);
        if (compacted > 0) {
            end();
            listener.onResync("revision " + (delivered + 1) + " was compacted in etcd (history kept from " + compacted + ")");
            return false;
        }
        if (result.path("canceled").asBoolean(false)) {
            if (EtcdClient.tokenRefusal(result.path("cancel_reason").asText(""))) {
                // etcd forgot the token or an auth change outdated it: a new one, and on from where the watch was
                client.forgetToken();
                throw new IllegalStateException("token refused");
            }
            end();
            listener.onResync("etcd cancelled the watch: " + result.path("cancel_reason").asText("no reason given"));
            return false;
        }
        List<WatchEvent> events = new ArrayList<>();
        for (JsonNode event : result.path("events")) {
            JsonNode kv = event.path("kv");
            boolean deleted = "DELETE".equals(event.path("type").asText());
            long revision = kv.path("mod_revision").asLong();
            events.add(new WatchEvent(deleted ? WatchEvent.Type.DELETE : WatchEvent.Type.PUT, EtcdClient.decode(kv.path("key")),
                    deleted ? null : EtcdClient.decode(kv.path("value")), revision));
        }
        if (!events.isEmpty() && open) {
            delivered = events.get(events.size() - 1).revision();
            listener.onEvents(events);
        }
        return true;
    }

    @Override
    public void close() {
        end();
        Stream<String> stream = current;
        if (stream != null) {
            stream.close();
        }
        thread.interrupt();
    }

    private void end() {
        open = false;
        onClose.accept(this);
    }

    private void sleep() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            open = false;
        }
    }
}
