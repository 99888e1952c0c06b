package org.jcalico.datastore.etcd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.jcalico.datastore.DatastoreException;

/**
 * etcd's KV/Range over gRPC, for the agent's listing: HTTP/2 to the same port as the JSON gateway (with prior knowledge
 * over plain TCP, negotiated by ALPN over TLS), one stream per call, the request and answer each one gRPC message (a
 * flag byte, a 4-byte length, the protobuf), the call's outcome in the grpc-status trailer. The gateway would have etcd
 * turn each answer into JSON with every key and value in base64, over a gRPC hop inside etcd, and the agent decode it
 * again: on the two cores the agent shares with etcd that is most of a listing (docs/datastore.md, "The listing over
 * gRPC"). Made for one listing and closed after it: its connections and threads do not outlive the listing.
 *
 * <p>As the gateway's client: members tried in order from the one asked first, a member that cannot be reached or drops
 * the call is passed over, a refusal (a non-zero grpc-status, or none) ends the call with etcd's message, TLS with the
 * same PEM material, and with a user the same token (as metadata "token"), renewed once when etcd no longer takes it.
 * etcd's UNAVAILABLE (an election, a member stopping) passes over too; a connection the member closed is not asked again.
 * An answer larger than {@value #MAX_ANSWER} bytes is refused before it is read.
 */
final class EtcdGrpc implements AutoCloseable {
    /**
     * The most taken of one answer from etcd, here and over the gateway (EtcdClient): a page of 2,000 keys is a megabyte
     * or so; etcd takes values of at most 1.5 MB (--max-request-bytes).
     */
    static final int MAX_ANSWER = 64 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String RANGE = "/etcdserverpb.KV/Range";
    /** gRPC's status UNAVAILABLE: etcd's "leader changed", "no leader", "stopped". */
    private static final String UNAVAILABLE = "14";
    private static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";
    private final EtcdEndpoint endpoint;
    private final EtcdClient client;
    private final HTTP2Client http2;
    private final SslContextFactory.Client tls;
    private final Map<URI, CompletableFuture<Session>> sessions = new ConcurrentHashMap<>();

    static {
        tellJettyTheReferenceSize();
    }

    EtcdGrpc(EtcdEndpoint endpoint, EtcdClient client) {
        this.endpoint = endpoint;
        this.client = client;
        QueuedThreadPool threads = new QueuedThreadPool(8, 1);
        threads.setName("jcalico-etcd-grpc");
        threads.setDaemon(true);
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(threads);
        connector.setScheduler(new ScheduledExecutorScheduler("jcalico-etcd-grpc-timer", true));
        connector.setSelectors(1);
        connector.setConnectTimeout(Duration.ofSeconds(2));
        // the listing's bytes on the Java heap and nothing pooled: what the client read is the collector's to give back,
        // never native memory that a pool or a direct buffer keeps after the listing
        connector.setByteBufferPool(new ByteBufferPool.NonPooling());
        http2 = new HTTP2Client(connector);
        http2.setUseInputDirectByteBuffers(false);
        http2.setUseOutputDirectByteBuffers(false);
        // a page is read whole before it is decoded: windows of a page's size spare the round trips of window updates
        http2.setInitialStreamRecvWindow(8 << 20);
        http2.setInitialSessionRecvWindow(16 << 20);
        if (endpoint.tls()) {
            tls = new SslContextFactory.Client();
            tls.setSslContext(PemTls.context(endpoint.ca(), endpoint.cert(), endpoint.key()));
            tls.setEndpointIdentificationAlgorithm("HTTPS");
            // started and stopped with the client
            http2.addBean(tls);
        } else {
            tls = null;
            // given none, the connector makes and starts a TLS factory of the JDK's defaults, which reads and parses the
            // JDK's whole CA bundle though nothing here speaks TLS (docs/agent.md, "Start-up of the agent", session 37);
            // given one, it starts it, which sets up the JDK's TLS code. Prior-knowledge HTTP/2 never asks the factory,
            // so this one is the connector's but never started (docs/agent.md, "Memory", session 39)
            SslContextFactory.Client unused = new SslContextFactory.Client();
            connector.setSslContextFactory(unused);
            connector.unmanage(unused);
        }
        try {
            http2.start();
        } catch (Exception e) {
            throw new DatastoreException("cannot start the HTTP/2 client for etcd: " + e.getMessage());
        }
    }

    /**
     * Jetty's MemoryUtils, first used as the client starts, asks the platform MBean server whether the VM compresses its
     * references, unless its property says how many fill a cache line; making that server registers every platform
     * MBean (JMX, JFR's diagnostic commands, java.util.logging: about 400 classes loaded on the agent's start before its
     * listing). The same answer from the VM option itself, which the agent reads at its start anyway (StartPeak): a
     * cache line's bytes over 4 with compressed references, over 8 without (docs/agent.md, "Start-up of the agent",
     * session 37). A value someone set is kept.
     */
    private static void tellJettyTheReferenceSize() {
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) != null) {
            return;
        }
        int lineBytes = Integer.getInteger("org.eclipse.jetty.util.cacheLineBytes", 64);
        boolean compressed = Boolean.parseBoolean(java.lang.management.ManagementFactory
                .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("UseCompressedOops").getValue());
        System.setProperty(REFERENCES_PER_CACHE_LINE, String.valueOf(compressed ? lineBytes >> 2 : lineBytes >> 3));
    }

    /** One Range call, asked first of the member numbered FIRST (modulo their number), then of the others in order. */
    RangeProtobuf.Page range(RangeProtobuf.Request request, int first) {
        byte[] body = request.encode();
        byte[] answer = client.authorized(token -> send(body, token, first));
        return RangeProtobuf.decode(answer, request);
    }

    private byte[] send(byte[] body, String token, int first) {
        List<URI> members = endpoint.members();
        Exception last = null;
        for (int i = 0; i < members.size(); i++) {
            URI member = members.get((first + i) % members.size());
            try {
                return call(member, body, token);
            } catch (ExecutionException e) {
                SSLException tlsFailure = sslCause(e);
                if (tlsFailure != null) {
                    throw EtcdClient.tlsFailure(member, tlsFailure);
                }
                // etcd's refusal or an answer that cannot be right ends the call; anything else the client met on the
                // way (a session closed by GOAWAY, say) passes over to the next member
                if (e.getCause() instanceof RuntimeException refused
                        && (refused instanceof DatastoreException || EtcdClient.isTokenRefused(refused))) {
                    throw refused;
                }
                sessions.remove(member);
                last = e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException e) {
                sessions.remove(member);
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatastoreException("interrupted while listing etcd");
            }
        }
        throw new DatastoreException("etcd not reachable over gRPC at " + members + ": " + last);
    }

    private static SSLException sslCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException tls) {
                return tls;
            }
        }
        return null;
    }

    private byte[] call(URI member, byte[] body, String token) throws ExecutionException, TimeoutException, InterruptedException {
        CompletableFuture<Session> kept = sessions.computeIfAbsent(member, this::connect);
        Session session = kept.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (session.isClosed()) {
            // closed since it was kept (the member's GOAWAY, the session's idle timeout): the member may be well, so
            // ask it again on a connection of its own rather than pass it over for what an old connection went through;
            // only that connection is forgotten, not one another part's call has opened since
            sessions.remove(member, kept);
            session = sessions.computeIfAbsent(member, this::connect).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        HttpFields.Mutable fields = HttpFields.build().add("content-type", "application/grpc").add("te", "trailers");
        if (token != null) {
            fields.add("token", token);
        }
        MetaData.Request request = new MetaData.Request("POST", HttpURI.from(member.resolve(RANGE).toString()),
                HttpVersion.HTTP_2, fields);
        Answer answer = new Answer(member, token != null);
        Stream stream = session.newStream(new HeadersFrame(request, null, false), answer)
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        stream.setIdleTimeout(TIMEOUT.toMillis());
        ByteBuffer message = ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(body.length).put(body).flip();
        stream.data(new DataFrame(stream.getId(), message, true), Callback.NOOP);
        // the stream's idle timeout ends a silent call; this only bounds a call that trickles
        try {
            return answer.result.get(10 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | InterruptedException e) {
            // an abandoned stream would keep what it was sent of the session's flow-control window, and stall the
            // other calls on the connection once the window is spent
            stream.reset(new ResetFrame(stream.getId(), 8 /* CANCEL */), Callback.NOOP);
            throw e;
        }
    }

    /** A connection to MEMBER, forgotten once it closes: the next call there opens a new one. */
    private CompletableFuture<Session> connect(URI member) {
        CompletableFuture<Session> connecting = new CompletableFuture<>();
        http2.connect(tls, new InetSocketAddress(member.getHost(), member.getPort()), new Session.Listener() {
            @Override
            public void onGoAway(Session session, GoAwayFrame frame) {
                // the member takes no new calls on it (it is shutting down, or ends the connection): the ones open
                // finish or fail on their own
                sessions.remove(member, connecting);
            }

            @Override
            public void onClose(Session session, GoAwayFrame frame, Callback callback) {
                sessions.remove(member, connecting);
                callback.succeeded();
            }
        }).whenComplete((session, failure) -> {
            if (failure != null) {
                connecting.completeExceptionally(failure);
            } else {
                connecting.complete(session);
            }
        });
        return connecting;
    }

    /** Gathers one call's answer: its gRPC message once the trailers say the call succeeded. */
    private static final class Answer implements Stream.Listener {
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final URI member;
        private final boolean withToken;
        private final GrpcMessage message = new GrpcMessage(MAX_ANSWER);

        Answer(URI member, boolean withToken) {
            this.member = member;
            this.withToken = withToken;
        }

        @Override
        public void onHeaders(Stream stream, HeadersFrame frame) {
            MetaData metaData = frame.getMetaData();
            if (metaData instanceof MetaData.Response response && response.getStatus() != 200) {
                fail(stream, new DatastoreException("etcd at " + member + " answered gRPC with HTTP status " + response.getStatus()));
                return;
            }
            if (frame.isEndStream()) {
                finish(metaData.getHttpFields());
            } else {
                stream.demand();
            }
        }

        @Override
        public void onDataAvailable(Stream stream) {
            Stream.Data data = stream.readData();
            if (data == null) {
                stream.demand();
                return;
            }
            boolean last = data.frame().isEndStream();
            try {
                message.take(data.frame().getByteBuffer());
            } catch (DatastoreException e) {
                fail(stream, e);
                return;
            } finally {
                data.release();
            }
            if (last) {
                // no trailers: grpc-status missing
                result.completeExceptionally(RangeProtobuf.garbled("the answer of " + member + " ended without a grpc-status"));
            } else {
                stream.demand();
            }
        }

        private void finish(HttpFields trailers) {
            String status = trailers.get("grpc-status");
            if (UNAVAILABLE.equals(status)) {
                // the member cannot serve the call now (a leader election, a member stopping): as a connection it
                // dropped, passed over for the next; gRPC's own clients retry UNAVAILABLE too
                result.completeExceptionally(new IOException(member + " is unavailable: " + trailers.get("grpc-message")));
            } else if (!"0".equals(status)) {
                String text = trailers.get("grpc-message");
                String refusal = text == null ? "grpc-status " + status
                        : URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
                result.completeExceptionally(EtcdClient.refusal(member, "KV/Range", refusal, withToken));
            } else {
                try {
                    result.complete(message.whole());
                } catch (DatastoreException e) {
                    result.completeExceptionally(e);
                }
            }
        }

        private void fail(Stream stream, RuntimeException failure) {
            result.completeExceptionally(failure);
            stream.reset(new ResetFrame(stream.getId(), 8 /* CANCEL */), Callback.NOOP);
        }

        @Override
        public void onReset(Stream stream, ResetFrame frame, Callback callback) {
            result.completeExceptionally(new IOException(member + " reset the call (HTTP/2 error " + frame.getError() + ")"));
            callback.succeeded();
        }

        @Override
        public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
            result.completeExceptionally(failure != null ? failure : new IOException(reason));
            callback.succeeded();
        }

        @Override
        public void onIdleTimeout(Stream stream, TimeoutException timeout, org.eclipse.jetty.util.Promise<Boolean> promise) {
            result.completeExceptionally(timeout);
            promise.succeeded(true);
        }
    }

    @Override
    public void close() {
        try {
            http2.stop();
        } catch (Exception e) {
            // the listing is done; threads are daemons and the connections go with the process at worst
        }
    }
}
