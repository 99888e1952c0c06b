package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.log.Log;
import org.jcalico.metrics.AgentMetrics;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health and metrics pages ask BIRD for its sessions (`birdc show protocols`, a process root starts) for a
 * request that anyone on the host can make: they listen on loopback. A local user (nobody, in a JVM of its own) asking
 * /readiness and /metrics over every connection the pages allow, each asking again as soon as it is answered, must
 * not make root run a birdc for each of them at once: BIRD's sessions are read by one birdc at a time, shared by the
 * requests that came while it ran, and a probe is still answered with the truth (200, BIRD running). A real BIRD in a
 * namespace "jct-rflood-bird" (after JCALICO_TEST_NS_PREFIX when set).
 */
@Tag("kernel")
class ReadinessFloodKernelTest {
    private static final String NAMESPACE = TestNamespaces.named("jct-rflood-bird");
    /** Asks PATH (its first argument) over N connections (its second), each again as soon as it is answered. */
    static final String FLOOD = """
            import java.io.*;
            import java.net.*;
            import java.nio.charset.StandardCharsets;

            public class Flood {
                static volatile boolean stop;

                public static void main(String[] args) throws Exception {
                    int port = Integer.parseInt(args[0]);
                    for (int i = 2; i < args.length; i++) {
                        String path = args[i];
                        for (int n = Integer.parseInt(args[1]); n > 0; n--) {
                            Thread.ofPlatform().daemon().start(() -> ask(port, path));
                        }
                    }
                    System.out.println("asking");
                    System.out.flush();
                    while (System.in.read() >= 0) {
                    }
                    stop = true;
                }

                static void ask(int port, String path) {
                    byte[] get = ("GET " + path + " HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n").getBytes(StandardCharsets.US_ASCII);
                    byte[] answer = new byte[1 << 16];
                    while (!stop) {
                        try (Socket socket = new Socket("127.0.0.1", port)) {
                            OutputStream out = socket.getOutputStream();
                            InputStream in = socket.getInputStream();
                            while (!stop) {
                                out.write(get);
                                if (in.read(answer) < 0) break;
                            }
                        } catch (Exception cut) {
                            // open another
                        }
                    }
                }
            }
            """;
    @TempDir Path dir;
    private BirdDaemon bird;

    @BeforeAll
    static void removeLeftovers() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAMESPACE);
    }

    @AfterEach
    void stopBird() {
        if (bird != null) {
            bird.stop();
        }
        Namespaces.delete(NAMESPACE);
    }

    @Test
    void aLocalUserAskingThePagesOverAndOverMakesRootRunOneBirdcAtATime() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path runDir = Files.createDirectory(dir.resolve("run"));
        bird = new BirdDaemon(runDir, Namespaces.create(NAMESPACE));
        bird.ensure("""
                router id 10.66.0.1;
                protocol device { }
                """);
        AgentStatusFile statusFile = new AgentStatusFile(runDir.resolve("status.json"), "h1");
        statusFile.writeOutOfSync(AgentStatusFile.State.in_sync, null);
        Log log = Log.open(dir.resolve("felix.log"), false, "info");
        AgentMetrics metrics = new AgentMetrics();
        // the pages' own BIRD and reading, as the agent makes them
        BirdDaemon pagesBird = new BirdDaemon(runDir, CommandRunner.local());
        Supplier<List<BgpStatus.Session>> sessions = AgentRuntime.birdSessions(pagesBird);
        try (PageListener health = AgentRuntime.health(statusFile, System::currentTimeMillis, pagesBird, sessions, log);
             PageListener scrape = AgentRuntime.metrics(metrics, statusFile, sessions, log)) {
            health.serveAt(new InetSocketAddress("127.0.0.1", 0));
            scrape.serveAt(new InetSocketAddress("127.0.0.1", 0));
            int port = health.port();
            assertTrue(probe(port).startsWith("HTTP/1.1 "), "the pages answer");
            Process flood = Unprivileged.startJava(dir, "Flood", FLOOD, String.valueOf(port),
                    String.valueOf(ControlServer.MAX_CONNECTIONS), "/readiness");
            Process scrapes = Unprivileged.startJava(dir, "Flood", FLOOD, String.valueOf(scrape.port()),
                    String.valueOf(ControlServer.MAX_CONNECTIONS), "/metrics");
            try {
                for (Process p : List.of(flood, scrapes)) {
                    String said = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
                    assertTrue("asking".equals(said), "the flood began: " + said);
                }
                int most = 0;
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < until) {
                    most = Math.max(most, birdcs());
                    Thread.sleep(5);
                }
                assertTrue(most <= 1, "root ran at most one birdc at a time for the pages' requests, not " + most);
                for (int i = 0; i < 3; i++) {
                    String answer = probe(port);
                    assertTrue(answer.startsWith("HTTP/1.1 200 ") && answer.contains("\"name\":\"bird\",\"ok\":true"),
                            "a probe among them is answered, and told the truth: " + answer);
                    Thread.sleep(300);
                }
            } finally {
                for (Process p : List.of(flood, scrapes)) {
                    p.getOutputStream().close();
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor();
                    }
                }
            }
        }
    }

    /** How many birdc processes this JVM runs now. */
    private static int birdcs() {
        return (int) ProcessHandle.current().children()
                .filter(child -> child.info().command().map(command -> command.endsWith("/birdc")).orElse(false))
                .count();
    }

    /** GET /readiness on a new connection: the whole answer. */
    private static String probe(int port) {
        return probe(port, "/readiness");
    }

    private static String probe(int port, String path) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "no answer: " + e;
        }
    }
}
