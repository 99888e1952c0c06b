package org.jcalico.datastore.etcd;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.ListingParts;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchListener;

/**
 * The datastore in etcd v3, for clusters of many machines. Revisions are etcd's own; a commit is one etcd
 * transaction whose compares are the writes' conditions, so compare-and-swap needs no lock anywhere.
 */
public final class EtcdDatastore implements Datastore {
    private static final int PAGE = 2000;
    /** etcd's default limit on the operations of one transaction (--max-txn-ops). */
    private static final int TXN_OPS = 128;
    /**
     * How long a watch stream may stay silent before it is taken for dead and reconnected: three of the progress
     * notifications etcd sends to idle watchers when started with --experimental-watch-progress-notify-interval=10s
     * (its default of 10 minutes is far too slow to notice a dead connection).
     */
    static final Duration WATCH_DEADLINE = Duration.ofSeconds(30);
    private final String location;
    private final EtcdEndpoint endpoint;
    private final EtcdClient client;
    private final Duration watchDeadline;
    private final List<EtcdWatch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();

    private EtcdDatastore(String location, EtcdEndpoint endpoint, EtcdClient client, Duration watchDeadline) {
        this.location = location;
        this.endpoint = endpoint;
        this.client = client;
        this.watchDeadline = watchDeadline;
    }

    /** etcd://HOST:PORT[,HOST:PORT...] or etcds://... (see EtcdEndpoint); the first answering member serves each call. */
    public static EtcdDatastore open(String url) {
        return open(url, WATCH_DEADLINE);
    }

    static EtcdDatastore open(String url, Duration watchDeadline) {
        EtcdEndpoint endpoint = EtcdEndpoint.parse(url, System.getenv());
        EtcdDatastore store = new EtcdDatastore(url, endpoint, new EtcdClient(endpoint), watchDeadline);
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
    public List<Optional<KeyValue>> getAll(List<String> keys) {
        if (keys.size() > TXN_OPS) {
            // etcd refuses a transaction of more operations than that unless told otherwise
            List<Optional<KeyValue>> found = new ArrayList<>(getAll(keys.subList(0, TXN_OPS)));
            found.addAll(getAll(keys.subList(TXN_OPS, keys.size())));
            return found;
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        ObjectNode txn = EtcdClient.object();
        txn.putArray("compare");
        ArrayNode success = txn.putArray("success");
        keys.forEach(key -> success.addObject().putObject("request_range").put("key", EtcdClient.encode(key)));
        JsonNode responses = client.call("v3/kv/txn", txn).path("responses");
        List<Optional<KeyValue>> found = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode kvs = responses.path(i).path("response_range").path("kvs");
            found.add(kvs.isArray() && kvs.size() > 0 ? Optional.of(keyValue(kvs.get(0))) : Optional.empty());
        }
        return found;
    }

    @Override
    public Listing list(String prefix) {
        List<KeyValue> items = new ArrayList<>();
        long revision = list(prefix, items::addAll);
        return new Listing(items, revision);
    }

    /** Paged as {@link #list(String, Consumer)}, each page without its values (etcd's keys_only). */
    @Override
    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        pages(new RangeProtobuf.Request(start(prefix), end(prefix), PAGE, 0, true), 0, this::overGateway,
                page -> page.forEach(item -> keys.add(item.key())));
        return keys;
    }

    /**
     * In pages of {@value #PAGE} keys, all read at the revision of the first: one response for a cluster's hundred
     * thousand endpoints would be fifty megabytes of JSON to hold at once, at both ends. Each page is asked for before
     * the one before it is handed on, so etcd serves it while the reader decodes (etcd spends about as long encoding
     * a page as the agent decoding it).
     */
    @Override
    public long list(String prefix, Consumer<List<KeyValue>> pages) {
        return pages(new RangeProtobuf.Request(start(prefix), end(prefix), PAGE, 0, false), 0, this::overGateway, pages);
    }

    /**
     * Each part paged as above, all parts at once, each on a thread of its own and starting at a member of its own, all
     * at the revision etcd had when it read the keys the splits are chosen from (without their values, over the same
     * connections: no read over the JSON gateway comes first): a read at a given revision is the store as it was then,
     * whichever member serves it and whenever (a compacted revision is refused, never answered otherwise), so the
     * parts are one listing, and a watch from that revision misses nothing. etcd encodes one request on one core; a
     * listing one page after another leaves the others idle (docs/datastore.md, "Listing in parts"). Read over etcd's
     * gRPC API rather than its JSON gateway (docs/datastore.md, "The listing over gRPC").
     */
    @Override
    public long list(String prefix, ListingParts.Splitter splitter, List<Consumer<List<KeyValue>>> parts) {
        try (EtcdGrpc grpc = new EtcdGrpc(endpoint, client)) {
            List<String> keys = new ArrayList<>();
            // an answer without a revision is refused as garbled: each part would be read at a revision of its own
            long revision = pages(new RangeProtobuf.Request(start(splitter.under()), end(splitter.under()), PAGE, 0, true),
                    0, grpc::range, page -> page.forEach(item -> keys.add(item.key())));
            List<String> splits = splitter.splits().apply(keys);
            ListingParts.check(prefix, splits, parts.size());
            List<FutureTask<Long>> reads = new ArrayList<>();
            for (int i = 0; i <= splits.size(); i++) {
                RangeProtobuf.Request part = new RangeProtobuf.Request(i > 0 ? splits.get(i - 1) : start(prefix),
                        i < splits.size() ? splits.get(i) : end(prefix), PAGE, revision, false);
                int member = i;
                FutureTask<Long> read = new FutureTask<>(() -> pages(part, member, grpc::range, parts.get(member)));
                reads.add(read);
                Thread.ofVirtual().name("jcalico-etcd-list-part-" + i).start(read);
            }
            try {
                for (FutureTask<Long> read : reads) {
                    await(read);
                }
            } finally {
                // a part that failed ends the listing: the others stop rather than decode what nobody will take
                reads.forEach(read -> read.cancel(true));
            }
            return revision;
        }
    }

    /** One Range call, asked first of the member numbered MEMBER; over the gateway or over gRPC. */
    @FunctionalInterface
    private interface Ranges {
        RangeProtobuf.Page read(RangeProtobuf.Request request, int member);
    }

    /**
     * The pages of one range from its start, at the request's revision (0: at the store's revision when the first page
     * is read), asked first of the member numbered MEMBER; returns the revision read.
     */
    private static long pages(RangeProtobuf.Request request, int member, Ranges ranges, Consumer<List<KeyValue>> pages) {
        RangeProtobuf.Page page = ranges.read(request, member);
        RangeProtobuf.Request at = request.revision() != 0 ? request : request.at(page.revision());
        while (true) {
            FutureTask<RangeProtobuf.Page> next = null;
            if (page.more() && !page.items().isEmpty()) {
                RangeProtobuf.Request following = at.from(page.items().getLast().key() + "\0");
                next = new FutureTask<>(() -> ranges.read(following, member));
                Thread.ofVirtual().name("jcalico-etcd-list").start(next);
            }
            pages.accept(page.items());
            if (next == null) {
                return at.revision();
            }
            page = await(next);
        }
    }

    private RangeProtobuf.Page overGateway(RangeProtobuf.Request request, int member) {
        ObjectNode json = EtcdClient.object().put("key", EtcdClient.encode(request.key()));
        if (!request.end().isEmpty()) {
            json.put("range_end", EtcdClient.encode(request.end()));
        }
        if (request.limit() != 0) {
            json.put("limit", request.limit());
        }
        if (request.revision() != 0) {
            json.put("revision", String.valueOf(request.revision()));
        }
        if (request.keysOnly()) {
            json.put("keys_only", true);
        }
        return client.call("v3/kv/range", json, EtcdDatastore::page, member);
    }

    private static <T> T await(FutureTask<T> task) {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new DatastoreException("listing etcd failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatastoreException("interrupted while listing etcd");
        }
    }

    /**
     * A range answer read as it streams in: its keys and values decoded from base64 straight into the key-values,
     * no tree of the whole page in between.
     */
    private static RangeProtobuf.Page page(JsonParser parser) throws IOException {
        List<KeyValue> items = new ArrayList<>();
        long revision = 0;
        boolean more = false;
        expect(parser.nextToken(), JsonToken.START_OBJECT);
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "header" -> {
                    JsonNode header = parser.readValueAsTree();
                    revision = header.path("revision").asLong();
                }
                case "more" -> more = value == JsonToken.VALUE_TRUE;
                case "kvs" -> {
                    expect(value, JsonToken.START_ARRAY);
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        items.add(keyValue(parser));
                    }
                }
                default -> parser.skipChildren();
            }
        }
        return new RangeProtobuf.Page(items, revision, more);
    }

    private static KeyValue keyValue(JsonParser parser) throws IOException {
        String key = "";
        String value = "";
        long created = 0;
        long modified = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            switch (field) {
                case "key" -> key = new String(parser.getBinaryValue(), StandardCharsets.UTF_8);
                case "value" -> value = new String(parser.getBinaryValue(), StandardCharsets.UTF_8);
                case "create_revision" -> created = Long.parseLong(parser.getValueAsString());
                case "mod_revision" -> modified = Long.parseLong(parser.getValueAsString());
                default -> parser.skipChildren();
            }
        }
        return new KeyValue(key, value, created, modified);
    }

    private static void expect(JsonToken token, JsonToken expected) throws IOException {
        if (token != expected) {
            throw new IOException("etcd's range answer has " + token + " where " + expected + " belongs");
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
        EtcdClient.Answered<JsonNode> answered = client.write("v3/kv/txn", txn);
        JsonNode response = answered.value();
        if (!response.path("succeeded").asBoolean(false)) {
            if (answered.afterLostAnswer()) {
                OptionalLong applied = appliedEarlier(ops);
                if (applied.isPresent()) {
                    return applied.getAsLong();
                }
            }
            throw firstFailedCondition(ops);
        }
        return response.path("header").path("revision").asLong();
    }

    /**
     * The revision at which these ops were applied by a member whose answer was lost, if the keys show it: a
     * transaction writes all its keys at one revision, so every key it put holds the value put, all at one revision,
     * and every key it deleted is gone. Keys that someone changed since read as not applied: a conflict, as it is.
     */
    private OptionalLong appliedEarlier(List<Op> ops) {
        List<Op> written = ops.stream().filter(Op::writes).toList();
        List<Optional<KeyValue>> now = getAll(written.stream().map(Op::key).toList());
        java.util.Set<Long> revisions = new java.util.HashSet<>();
        for (int i = 0; i < written.size(); i++) {
            Optional<KeyValue> current = now.get(i);
            String value = switch (written.get(i)) {
                case Op.Create create -> create.value();
                case Op.Update update -> update.value();
                case Op.Put put -> put.value();
                default -> null;
            };
            if (value == null ? current.isPresent() : current.isEmpty() || !current.get().value().equals(value)) {
                return OptionalLong.empty();
            }
            current.ifPresent(kv -> revisions.add(kv.modRevision()));
        }
        return revisions.size() == 1 ? OptionalLong.of(revisions.iterator().next()) : OptionalLong.empty();
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
        return EtcdClient.object().put("key", EtcdClient.encode(start(prefix))).put("range_end", EtcdClient.encode(end(prefix)));
    }

    private static String start(String prefix) {
        return prefix.isEmpty() ? "\0" : prefix;
    }

    private static String end(String prefix) {
        if (prefix.isEmpty()) {
            return "\0";
        }
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    static KeyValue keyValue(JsonNode kv) {
        return new KeyValue(EtcdClient.decode(kv.path("key")), EtcdClient.decode(kv.path("value")),
                kv.path("create_revision").asLong(), kv.path("mod_revision").asLong());
    }
}
