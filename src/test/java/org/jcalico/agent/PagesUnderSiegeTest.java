package org.jcalico.agent;

import org.junit.jupiter.api.Tag;
import org.jcalico.testing.AloneTests;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jcalico.log.Log;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health and metrics pages (a real {@link ControlServer#startPages} listener on loopback, with the agent's own limits)
 * while an unprivileged local user (nobody, in a process of its own) holds every connection it can and opens a new one
 * whenever one is closed: silent connections, heads trickled a byte at a time, keep-alive connections idle between
 * whole requests, and pipelined requests whose answers it never reads, more of them than the server has slots. A probe
 * of Kubernetes' kind (a new connection, one GET, Connection: close) must still be answered within kubelet's default
 * timeout of one second: a probe that is not fails liveness, and a restart loop follows.
 */
@Tag(AloneTests.TAG)  // its bound is every probe answered within 1 s while the pages are under siege
class PagesUnderSiegeTest {
    /** kubelet's default timeoutSeconds for an HTTP probe. */
    private static final long PROBE_BOUND_MILLIS = 1000;
    private static final int PROBES = 6;
    @TempDir Path dir;

    /**
     * Holds connections to 127.0.0.1:PORT until its standard input closes, each holder reopening its connection as soon
     * as the server closes it; prints "holding" once every holder is connected. Counts per kind are its arguments.
     */
    private static final String SIEGE = """
            import java.io.*;
            import java.net.*;
            import java.nio.charset.StandardCharsets;
            import java.util.concurrent.*;

            public class Siege {
                static int port;
                static volatile boolean stop;

                public static void main(String[] args) throws Exception {
                    port = Integer.parseInt(args[0]);
                    String[] kinds = {"silent", "trickle", "keepalive", "unread"};
                    int total = 0;
                    for (int i = 0; i < kinds.length; i++) total += Integer.parseInt(args[i + 1]);
                    CountDownLatch connected = new CountDownLatch(total);
                    for (int i = 0; i < kinds.length; i++) {
                        for (int n = Integer.parseInt(args[i + 1]); n > 0; n--) {
                            String kind = kinds[i];
                            Thread.ofPlatform().daemon().start(() -> hold(kind, connected));
                        }
                    }
                    connected.await();
                    System.out.println("holding");
                    System.out.flush();
                    while (System.in.read() >= 0) {
                    }
                    stop = true;
                }

                static void hold(String kind, CountDownLatch connected) {
                    boolean first = true;
                    while (!stop) {
                        try (Socket socket = new Socket("127.0.0.1", port)) {
                            if (first) {
                                connected.countDown();
                                first = false;
                            }
                            OutputStream out = socket.getOutputStream();
                            InputStream in = socket.getInputStream();
                            byte[] get = "GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n".getBytes(StandardCharsets.US_ASCII);
                            switch (kind) {
                                case "silent" -> in.read();
                                case "trickle" -> {
                                    out.write("GET /liveness HTTP/1.1\\r\\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                                    while (!stop) {
                                        Thread.sleep(500);
                                        out.write('a');
                                    }
                                }
                                case "keepalive" -> {
                                    while (!stop) {
                                        out.write(get);
                                        if (in.read(new byte[1 << 20]) < 0) break;
                                        Thread.sleep(5000);
                                    }
                                }
                                default -> {
                                    for (int i = 0; i < 200; i++) out.write(get);
                                    while (!stop) {
                                        Thread.sleep(500);
                                        out.write(get);
                                    }
                                }
                            }
                        } catch (Exception cut) {
                            // the server closed it: open another
                        }
                    }
                }
            }
            """;

    @Test
    void aProbeIsAnsweredWithinASecondWhileALocalUserHoldsEveryConnectionItCan() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root, to be someone else");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, Supplier<ControlServer.Page>> pages = Map.of(
                "/liveness", () -> ControlServer.Page.text(200, "text/plain", "live\n"),
                "/metrics", () -> ControlServer.Page.text(200, "text/plain", "m".repeat(64 * 1024)));
        try (ControlServer server = ControlServer.startPages(new InetSocketAddress("127.0.0.1", 0), pages, "health",
                Log.open(dir.resolve("felix.log"), false, "info"))) {
            int slots = ControlServer.MAX_CONNECTIONS;
            // more holders of each kind than the server has slots in all, so that its accept queue is full as well
            Process siege = Unprivileged.startJava(dir, "Siege", SIEGE, String.valueOf(server.port()),
                    String.valueOf(slots / 2), String.valueOf(slots / 4), String.valueOf(slots / 4), String.valueOf(slots / 2));
            try {
                BufferedReader said = new BufferedReader(new InputStreamReader(siege.getInputStream(), StandardCharsets.UTF_8));
                String line = said.readLine();
                assertTrue("holding".equals(line), "the siege began: " + line);
                Thread.sleep(1000);
                List<Long> answered = new ArrayList<>();
                for (int i = 0; i < PROBES; i++) {
                    answered.add(probe(server.port()));
                    Thread.sleep(300);
                }
                assertTrue(answered.stream().allMatch(millis -> millis >= 0 && millis < PROBE_BOUND_MILLIS),
                        "every probe answered 200 within " + PROBE_BOUND_MILLIS + " ms while the pages are besieged,"
                                + " not (ms, -1: no answer) " + answered);
            } finally {
                siege.getOutputStream().close();
                if (!siege.waitFor(5, TimeUnit.SECONDS)) {
                    siege.destroyForcibly().waitFor();
                }
            }
        }
    }

    /** A probe as kubelet makes one: a new connection, GET /liveness; the milliseconds to its 200, or -1 if none came within the bound. */
    private static long probe(int port) throws IOException {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) PROBE_BOUND_MILLIS);
            socket.setSoTimeout((int) PROBE_BOUND_MILLIS);
            socket.getOutputStream().write("GET /liveness HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return status != null && status.startsWith("HTTP/1.1 200 ") ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) : -1;
        } catch (SocketTimeoutException e) {
            return -1;
        }
    }
}
