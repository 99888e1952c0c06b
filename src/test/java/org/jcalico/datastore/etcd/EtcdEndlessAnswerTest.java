package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreContract.Recorder;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Watch;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A member (or a proxy in front of one) that answers without end cannot fill the heap of whoever reads it: the answer
 * is given up once larger than any etcd answer ({@link EtcdGrpc#MAX_ANSWER}) and the call goes to the next member. Read
 * whole, a unary answer grew a JSON tree and a watch line a string until the heap was full.
 */
class EtcdEndlessAnswerTest {
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

    @Test
    void aMemberAnsweringWithoutEndIsGivenUpAndTheNextAnswers() throws Exception {
        try (EndlessMember endless = new EndlessMember(); Datastore store = Datastores.open(etcd.url())) {
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

    @Test
    void aWatchLineWithoutEndIsGivenUp() throws Exception {
        try (EndlessMember endless = new EndlessMember(); Datastore store = Datastores.open(etcd.url())) {
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
