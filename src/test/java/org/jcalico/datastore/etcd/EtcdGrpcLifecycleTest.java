package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Op;
import org.jcalico.testing.EtcdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent lists again each time its watch is compacted past, and each listing over gRPC starts an HTTP/2 client of
 * its own: listings that succeed, and listings that fail every way a member can fail (down, garbled, silent, a refusal
 * of the user), must leave no thread and no connection of that client behind, however many there were.
 */
class EtcdGrpcLifecycleTest {
    private static EtcdFixture etcd;
    @TempDir
    static Path dir;

    @BeforeAll
    static void startEtcd() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        etcd = EtcdFixture.start();
        // a user who may read jcalico's keys (so the store opens) and nothing else: a listing elsewhere is refused
        etcd.post("v3/auth/role/add", "{\"name\":\"jcyq-reader\"}");
        etcd.post("v3/auth/role/grant", "{\"name\":\"jcyq-reader\",\"perm\":{\"key\":\"" + EtcdClient.encode(Keys.ROOT)
                + "\",\"range_end\":\"" + EtcdClient.encode(Keys.ROOT.substring(0, Keys.ROOT.length() - 1) + "0")
                + "\",\"permType\":\"READ\"}}");
        etcd.addUser("jcyq", "r3ader", "jcyq-reader");
        etcd.enableAuth("s3cret");
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static String url(String members, String user, String password) throws IOException {
        Path file = Files.writeString(dir.resolve("password-" + user), password + "\n");
        return "etcd://" + members + "?user=" + user + "&password-file=" + file;
    }

    @Test
    void listingsThatSucceedOrFailLeaveNoThreadOrConnectionBehind() throws Exception {
        String real = "127.0.0.1:" + etcd.port();
        // each part starts at a member of its own (part i at member i): the parts of PASSING start at a member down and
        // at one that garbles, those of TIMING_OUT at a silent one; NOBODY's only member is cut off once it is open
        try (Member garbled = Member.garbled(); Member silent = Member.silent(); SeverableProxy cut = new SeverableProxy(etcd.port());
                Datastore root = Datastores.open(url(real, "root", "s3cret"));
                Datastore passing = Datastores.open(url(real + "," + refusingPort() + ",127.0.0.1:" + garbled.port(), "root", "s3cret"));
                Datastore nobody = Datastores.open(url("127.0.0.1:" + cut.port(), "root", "s3cret"));
                Datastore timingOut = Datastores.open(url(real + ",127.0.0.1:" + silent.port(), "root", "s3cret"));
                Datastore refused = Datastores.open(url(real, "jcyq", "r3ader"))) {
            cut.sever();
            for (int batch = 0; batch < 45; batch++) {
                List<Op> ops = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    ops.add(new Op.Create(String.format("/leak/%c/%05d", 'a' + batch % 3, batch * 100 + i), "v" + i));
                }
                root.commit(ops);
            }
            Set<Integer> ports = Set.of(etcd.port(), garbled.port(), silent.port());
            Runnable listings = () -> {
                assertEquals(4500, listInParts(root).size());
                assertEquals(4500, listInParts(passing).size());
                assertThrows(DatastoreException.class, () -> listInParts(nobody));
                assertThrows(DatastoreException.class, () -> listInParts(refused));
            };
            listings.run();
            assertEquals(4500, listInParts(timingOut).size());
            int threads = settled(EtcdGrpcLifecycleTest::threads, Integer.MAX_VALUE);
            int connections = settled(() -> connections(ports), Integer.MAX_VALUE);
            for (int round = 0; round < 10; round++) {
                listings.run();
            }
            assertEquals(4500, listInParts(timingOut).size());
            // a few threads may come and go for reasons of their own (the JDK's, the gateway client's): not one a listing
            assertTrue(settled(EtcdGrpcLifecycleTest::threads, threads + 2) <= threads + 2,
                    "threads after one round of listings " + threads + ", after eleven " + threads());
            assertTrue(settled(() -> connections(ports), connections) <= connections,
                    "connections to the members after one round of listings " + connections + ", after eleven "
                            + connections(ports));
        }
    }

    private static List<KeyValue> listInParts(Datastore store) {
        List<KeyValue> all = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Consumer<List<KeyValue>>> parts = Stream.<Consumer<List<KeyValue>>>generate(() -> all::addAll).limit(3).toList();
        store.list("/leak/", new org.jcalico.datastore.ListingParts.Splitter("/leak/", keys -> List.of("/leak/b/", "/leak/c/")), parts);
        return all;
    }

    /** The count once it is at most BOUND, or after two seconds of waiting for it to be: sockets and threads end a little late. */
    private static int settled(java.util.function.IntSupplier count, int bound) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 2000;
        int now = count.getAsInt();
        while (now > bound && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            now = count.getAsInt();
        }
        return now;
    }

    /** This process's live threads, as the kernel counts them (virtual threads are not among them). */
    private static int threads() {
        return new java.io.File("/proc/self/task").list().length;
    }

    /** This process's open TCP connections to any of PORTS, from its descriptors and the kernel's socket table. */
    private static int connections(Set<Integer> ports) {
        try {
            Set<String> sockets = new HashSet<>();
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            sockets.add(target.substring(8, target.length() - 1));
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            }
            int count = 0;
            for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
                // read once: the table is the whole namespace's, and changes between two reads
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] fields = line.trim().split("\\s+");
                    int remotePort = Integer.parseInt(fields[2].substring(fields[2].indexOf(':') + 1), 16);
                    if (ports.contains(remotePort) && sockets.contains(fields[9])) {
                        count++;
                    }
                }
            }
            return count;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String refusingPort() throws IOException {
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + closed.getLocalPort();
        }
    }

    /** A member that is not etcd: it answers every connection with bytes that are not HTTP/2 and hangs up, or says nothing and
     * holds it open. */
    private static final class Member implements AutoCloseable {
        private final ServerSocket server;

        private Member(boolean garbled) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Thread.ofVirtual().start(() -> serve(client, garbled));
                    } catch (IOException e) {
                        // closed: done
                    }
                }
            });
        }

        static Member garbled() throws IOException {
            return new Member(true);
        }

        static Member silent() throws IOException {
            return new Member(false);
        }

        int port() {
            return server.getLocalPort();
        }

        private static void serve(Socket client, boolean garbled) {
            try (client; InputStream in = client.getInputStream()) {
                if (garbled) {
                    client.getOutputStream().write("HTTP/1.1 400 garbled\r\n\r\nnot a frame at all".repeat(20)
                            .getBytes(StandardCharsets.US_ASCII));
                    return;
                }
                // until the client hangs up: a silent member holds the connection open and says nothing
                while (in.read() >= 0) {
                    // drop
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
