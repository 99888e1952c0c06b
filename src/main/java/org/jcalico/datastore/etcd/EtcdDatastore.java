package org.jcalico.datastore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchListener;

/**
 * The datastore in etcd v3, for clusters of many machines. Revisions are etcd's own; a commit is one etcd
 * transaction whose compares are the writes' conditions, so compare-and-swap needs no lock anywhere.
 */
public final class EtcdDatastore implements Datastore {
    private static final int PAGE = 2000;
    /**
     * How long a watch stream may stay silent before it is taken for dead and reconnected: three of the progress
     * notifications etcd sends to idle watchers when started with --experimental-watch-progress-notify-interval=10s
     * (its default of 10 minutes is far too slow to notice a dead connection).
     */
    static final Duration WATCH_DEADLINE = Duration.ofSeconds(30);
    private final String location;
    private final EtcdClient client;
    private final Duration watchDeadline;
    private final List<EtcdWatch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();

    private EtcdDatastore(String location, EtcdClient client, Duration watchDeadline) {
        this.location = location;
        this.client = client;
        this.watchDeadline = watchDeadline;
    }

    /** etcd://HOST:PORT[,HOST:PORT...] or etcds://... (see EtcdEndpoint); the first answering member serves each call. */
    public static EtcdDatastore open(String url) {
        return open(url, WATCH_DEADLINE);
    }

    static EtcdDatastore open(String url, Duration watchDeadline) {
        EtcdEndpoint endpoint = EtcdEndpoint.parse(url, System.getenv());
        EtcdDatastore store = new EtcdDatastore(url, new EtcdClient(endpoint), watchDeadline);
        // a read of jcalico's keys rather than a status call: it also proves the credentials (status needs none)
        store.client.call("v3/kv/range", EtcdClient.object().put("key", EtcdClient.encode(org.jcalico.datastore.Keys.ROOT))
                .put("count_only", true));
        return store;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        ObjectNode request = EtcdClient.object().put("key", EtcdClient.encode(key));
        JsonNode kvs = client.call("v3/kv/range", request).path("kvs");
        return kvs.isArray() && kvs.size() > 0 ? Optional.of(keyValue(kvs.get(0))) : Optional.empty();
    }

    @Override
    /**
     * In pages of {@value #PAGE} keys, all read at the revision of the first: one response for a cluster's hundred
     * thousand endpoints would be a hundred megabytes of JSON to hold at once, at both ends.
     */
    public Listing list(String prefix) {
        List<KeyValue> items = new ArrayList<>();
        ObjectNode request = range(prefix).put("limit", PAGE);
        long revision = 0;
        while (true) {
            JsonNode response = client.call("v3/kv/range", request);
            if (revision == 0) {
                revision = response.path("header").path("revision").asLong();
                request.put("revision", String.valueOf(revision));
            }
            response.path("kvs").forEach(kv -> items.add(keyValue(kv)));
            if (!response.path("more").asBoolean(false) || items.isEmpty()) {
                return new Listing(items, revision);
            }
            request.put("key", EtcdClient.encode(items.getLast().key() + "\0"));
        }
    }

    @Override
    public long commit(List<Op> ops) {
        ObjectNode txn = EtcdClient.object();
        ArrayNode compares = txn.putArray("compare");
        ArrayNode success = txn.putArray("success");
        for (Op op : ops) {
            String key = EtcdClient.encode(op.key());
            switch (op) {
                case Op.Create create -> {
                    compares.addObject().put("key", key).put("target", "CREATE").put("result", "EQUAL").put("create_revision", "0");
                    success.addObject().putObject("request_put").put("key", key).put("value", EtcdClient.encode(create.value()));
                }
                case Op.Update update -> {
                    compares.addObject().put("key", key).put("target", "MOD").put("result", "EQUAL")
                            .put("mod_revision", String.valueOf(update.expectedRevision()));
                    success.addObject().putObject("request_put").put("key", key).put("value", EtcdClient.encode(update.value()));
                }
                case Op.Put put -> success.addObject().putObject("request_put").put("key", key).put("value", EtcdClient.encode(put.value()));
                case Op.Delete delete -> {
                    compares.addObject().put("key", key).put("target", "MOD").put("result", "EQUAL")
                            .put("mod_revision", String.valueOf(delete.expectedRevision()));
                    success.addObject().putObject("request_delete_range").put("key", key);
                }
                case Op.Unchanged unchanged -> compares.addObject().put("key", key).put("target", "MOD").put("result", "EQUAL")
                        .put("mod_revision", String.valueOf(unchanged.expectedRevision()));
                case Op.Absent absent -> compares.addObject().put("key", key).put("target", "CREATE").put("result", "EQUAL")
                        .put("create_revision", "0");
                // a compare over a range holds when every key in it holds (and when the range is empty)
                case Op.NoneNewer newer -> compares.addObject().<ObjectNode>setAll(range(newer.key())).put("target", "MOD")
                        .put("result", "LESS").put("mod_revision", String.valueOf(newer.revision() + 1));
            }
        }
        JsonNode response = client.call("v3/kv/txn", txn);
        if (!response.path("succeeded").asBoolean(false)) {
            throw firstFailedCondition(ops);
        }
        return response.path("header").path("revision").asLong();
    }

    /** etcd says only that some compare failed; reading the keys tells which, and why. */
    private ConflictException firstFailedCondition(List<Op> ops) {
        for (Op op : ops) {
            Optional<KeyValue> current = op instanceof Op.NoneNewer ? Optional.empty() : get(op.key());
            switch (op) {
                case Op.Create create -> {
                    if (current.isPresent()) {
                        return new ConflictException(op.key(), ConflictException.Reason.ALREADY_EXISTS);
                    }
                }
                case Op.Update update -> {
                    ConflictException conflict = mismatch(op.key(), current, update.expectedRevision());
                    if (conflict != null) {
                        return conflict;
                    }
                }
                case Op.Delete delete -> {
                    ConflictException conflict = mismatch(op.key(), current, delete.expectedRevision());
                    if (conflict != null) {
                        return conflict;
                    }
                }
                case Op.Unchanged unchanged -> {
                    ConflictException conflict = mismatch(op.key(), current, unchanged.expectedRevision());
                    if (conflict != null) {
                        return conflict;
                    }
                }
                case Op.Absent absent -> {
                    if (current.isPresent()) {
                        return new ConflictException(op.key(), ConflictException.Reason.ALREADY_EXISTS);
                    }
                }
                case Op.NoneNewer newer -> {
                    if (list(newer.key()).items().stream().anyMatch(kv -> kv.modRevision() > newer.revision())) {
                        return new ConflictException(op.key(), ConflictException.Reason.REVISION_MISMATCH);
                    }
                }
                case Op.Put put -> { }
            }
        }
        return new ConflictException(ops.get(0).key(), ConflictException.Reason.REVISION_MISMATCH);
    }

    private static ConflictException mismatch(String key, Optional<KeyValue> current, long expected) {
        if (current.isEmpty()) {
            return new ConflictException(key, ConflictException.Reason.NOT_FOUND);
        }
        return current.get().modRevision() != expected ? new ConflictException(key, ConflictException.Reason.REVISION_MISMATCH) : null;
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        EtcdWatch watch = new EtcdWatch(client, range(prefix), afterRevision, listener, watches::remove, watchDeadline);
        watches.add(watch);
        return watch;
    }

    /** Forgets history up to the revision, as etcd's compaction does. */
    public void compact(long revision) {
        client.call("v3/kv/compaction", EtcdClient.object().put("revision", String.valueOf(revision)).put("physical", true));
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public void close() {
        watches.forEach(EtcdWatch::close);
    }

    /** A range over every key with the prefix; the empty prefix is every key ("\0" to "\0" in etcd's terms). */
    static ObjectNode range(String prefix) {
        ObjectNode range = EtcdClient.object();
        if (prefix.isEmpty()) {
            return range.put("key", EtcdClient.encode("\0")).put("range_end", EtcdClient.encode("\0"));
        }
        char last = prefix.charAt(prefix.length() - 1);
        String end = prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
        return range.put("key", EtcdClient.encode(prefix)).put("range_end", EtcdClient.encode(end));
    }

    static KeyValue keyValue(JsonNode kv) {
        return new KeyValue(EtcdClient.decode(kv.path("key")), EtcdClient.decode(kv.path("value")),
                kv.path("create_revision").asLong(), kv.path("mod_revision").asLong());
    }
}
