package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.ControlServer;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;
import org.jcalico.testing.ConnectionFlood;
import org.jcalico.testing.JavaProcess;
import org.jcalico.testing.OpenSockets;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher hands `container add` to the node's running agent over its Unix socket, and runs the command itself
 * when the agent declines or is not there; the user sees the same either way. Nobody but root can reach the socket,
 * or take its place once the agent is gone, and no client can exhaust it.
 */
class LauncherDelegationIT {
    private static final String MISSING = "netns:jct-launcher-no-such-namespace";
    private static final String ERROR = "error: no such network namespace: /run/netns/jct-launcher-no-such-namespace (from '"
            + MISSING + "')\n";
    @TempDir
    Path dir;
    private Path log;
    private String store;
    private AgentPaths paths;

    private record Outcome(int status, String out, String err) {
    }

    @BeforeEach
    void layout() throws IOException, InterruptedException {
        // everything above the run directory is open to all, so that only the run directory's own mode keeps others out
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        log = dir.resolve("felix.log");
        store = "embedded:" + dir.resolve("store.db");
        paths = AgentPaths.of("h1", dir.resolve("run"), dir);
        // the launcher's first run in a fresh clone records its start-up cache, and says so
        assertEquals(0, launch(store, "version").status());
    }

    private Outcome launch(String datastore, String... args) throws IOException, InterruptedException {
        return launchWith(Map.of(), datastore, args);
    }

    private Outcome launchWith(Map<String, String> environment, String datastore, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of("jcalico").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return run(environment, datastore, command);
    }

    private Outcome run(Map<String, String> environment, String datastore, List<String> command)
            throws IOException, InterruptedException {
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = new HashMap<>(Map.of("JCALICO_RUN_DIR", dir.resolve("run").toString(),
                "JCALICO_NODENAME", "h1", "JCALICO_DATASTORE", datastore));
        env.putAll(environment);
        builder.environment().putAll(env);
        Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        int status = process.waitFor();
        return new Outcome(status, Files.readString(stdout), Files.readString(stderr));
    }

    private long served() throws IOException {
        if (Files.notExists(log)) {
            return 0;
        }
        return Files.readString(log).lines().filter(line -> line.contains("for the launcher: exit status")).count();
    }

    private ControlServer server() throws IOException {
        Log agentLog = Log.open(log, false, "info");
        return ControlServer.start(paths.socket(), java.util.Map.of("/v1/run", new AgentDelegation(org.jcalico.datastore.DatastoreUrl.parse(store), "h1", System.getenv(), agentLog,
                new org.jcalico.agent.ServedResources(org.jcalico.datastore.DatastoreUrl.parse(store), org.jcalico.kernel.CommandRunner.local()))::handle),
                agentLog);
    }

    @Test
    void theAgentServesTheCommandAndTheLauncherRunsWhatItDeclines() throws Exception {
        try (ControlServer ignored = server()) {
            assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING));
            assertEquals(1, served(), "the agent ran it");

            String otherStore = "embedded:" + dir.resolve("other.db");
            assertEquals(new Outcome(1, "", ERROR), launch(otherStore, "container", "add", MISSING),
                    "declined (another datastore) and run by the launcher");
            assertEquals(new Outcome(1, "", ERROR), launchWith(Map.of("DOCKER_HOST", "unix:///run/jct-other-docker.sock"),
                    store, "container", "add", MISSING), "declined (another docker daemon) and run by the launcher");
            assertTrue(Files.readString(log).contains("its environment differs from the agent's in DOCKER_HOST"));
            assertEquals(1, served(), "the agent ran only the first");

            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.runDir())));
            // from a file: the NULs of the request would be refused on a command's standard input; with the variables
            // the agent compares that this test runs with (JCALICO_TEST_NS_PREFIX where machines are shared), as the
            // launchers above inherit them, or the agent declines
            String inherited = AgentDelegation.compared(System.getenv()).entrySet().stream()
                    .map(variable -> variable.getKey() + "=" + variable.getValue() + "\0").collect(Collectors.joining());
            Path request = Files.writeString(dir.resolve("request"), "h1\0JCALICO_DATASTORE=" + store + "\0" + inherited
                    + "\0container\0add\0" + MISSING + "\0");
            CommandRunner.Result curl = CommandRunner.local().run("curl", "-s", "--unix-socket",
                    paths.socket().toString(), "--data-binary", "@" + request, "http://agent/v1/run");
            assertEquals("\0" + ERROR + "\0" + "1\0", curl.stdout(), "curl or any HTTP client on the socket works too");
            assertEquals(2, served());
        }
        assertTrue(Files.notExists(paths.socket()), "a stopped agent's socket is removed");
    }

    /**
     * A served command starts no process: the launcher's bash becomes its HTTP client. Each fork and exec is
     * milliseconds of the command's time on a busy machine: the request's fields piped from printf took two more
     * processes (session 31), the client's process substitution one more until session 40 (docs/agent.md, "A served
     * `container add`"). The fields reach the agent exactly as before: arguments with spaces, a newline, an empty one
     * and a leading dash.
     */
    @Test
    void aServedCommandStartsOnlyTheClient() throws Exception {
        assumeTrue(CommandRunner.local().run("strace", "-V").ok(), "needs strace");
        String[] args = {"container", "add", MISSING, "--profile", "-x", "--label", "two words=a\nline", "--label", ""};
        Outcome local = launchWith(Map.of("JCALICO_NO_AGENT", "1"), store, args);
        assertTrue(local.err().startsWith("error: label: 'two words'"), local.err());
        try (ControlServer ignored = server()) {
            assertEquals(local, run(Map.of(), store, traced("trace=clone,clone3,fork,vfork,execve", args)),
                    "the agent's answer is the launcher's own");
            assertEquals(1, served(), "the agent ran it");
            List<String> forks = traceLines().stream()
                    .filter(line -> line.matches("\\d+ +(clone|clone3|fork|vfork)\\(.*")).toList();
            assertEquals(List.of(), forks, "no process started: the launcher becomes the client");
            // env's search of PATH for bash (#!/usr/bin/env bash) fails on each directory before bash's: not counted
            List<String> programs = traceLines().stream().filter(line -> line.matches("\\d+ +execve\\(.*= 0$"))
                    .map(line -> line.replaceFirst("^\\d+ +execve\\(\"([^\"]*)\".*", "$1"))
                    .map(program -> Path.of(program).getFileName().toString()).toList();
            assertEquals(List.of("jcalico", "bash", "perl"), programs,
                    "the launcher (env), its bash and its client run, one after the other in one process");

            // a process's arguments are anyone's to read (/proc/PID/cmdline): the password stays in environments
            // (the agent declines this one, its environment has no password, and the launcher runs it itself)
            String secret = "pw-only-in-the-environment";
            run(Map.of("JCALICO_ETCD_PASSWORD", secret), store, traced("trace=execve", args));
            assertTrue(traceLines().stream().anyMatch(line -> line.contains("socket-client.pl")), "the client ran");
            List<String> revealing = traceLines().stream().filter(line -> line.contains(secret)).toList();
            assertEquals(List.of(), revealing, "no process started with the password among its arguments");
        }
    }

    /** The launcher run with {@code args} under strace, which writes the system calls of {@code filter} to the trace. */
    private List<String> traced(String filter, String... args) {
        List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-s", "65536", "-o",
                dir.resolve("trace").toString(), "-e", filter, Path.of("jcalico").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** The calls strace wrote (environments shown as a count of variables, as strace prints them by default). */
    private List<String> traceLines() throws IOException {
        return Files.readString(dir.resolve("trace")).lines().filter(line -> !line.contains("resumed>")).toList();
    }

    /** `pool list` and `container list` through the agent print exactly what the launcher's own JVM prints. */
    @Test
    void theListsThroughTheAgentPrintWhatTheLauncherPrints() throws Exception {
        assertEquals(0, launch(store, "pool", "add", "10.72.0.0/16", "--nat-outgoing").status());
        try (ControlServer ignored = server()) {
            for (List<String> args : List.of(List.of("pool", "list"), List.of("container", "list", "-o", "json"),
                    List.of("--node", "h1", "container", "list"))) {
                Outcome local = launchWith(Map.of("JCALICO_NO_AGENT", "1"), store, args.toArray(String[]::new));
                long before = served();
                assertEquals(local, launch(store, args.toArray(String[]::new)), String.join(" ", args));
                assertEquals(before + 1, served(), "the agent ran " + String.join(" ", args) + "; its log:\n" + Files.readString(log));
            }
            assertTrue(launch(store, "pool", "list").out().contains("10.72.0.0/16"));
        }
    }

    /** Defect 1: a local user could connect, exhaust the agent's file descriptors and, with one long line, its memory. */
    @Test
    void nobodyElseCanConnectAndNoClientCanExhaustTheEndpoint() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root, to be someone else");
        try (ControlServer ignored = server()) {
            CommandRunner.Result attempt = Unprivileged.run("curl", "-sS", "--unix-socket", paths.socket().toString(),
                    "--data-binary", "x", "http://agent/v1/run");
            assertEquals(7, attempt.exitCode(), "an unprivileged user cannot connect: " + attempt.stderr());
            assertTrue(attempt.stderr().contains("Permission denied") || attempt.stderr().contains("Couldn't connect"),
                    attempt.stderr());

            long before = OpenSockets.of(ProcessHandle.current().pid());
            try (ConnectionFlood flood = new ConnectionFlood(paths.socket(), 300)) {
                Thread.sleep(1000);
                long accepted = OpenSockets.of(ProcessHandle.current().pid()) - before - 300;
                assertTrue(accepted <= ControlServer.MAX_CONNECTIONS + 8,
                        "the endpoint holds at most its connection limit open, not " + accepted);
            }
            long sent = 0;
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(paths.socket()));
                 OutputStream out = Channels.newOutputStream(channel)) {
                out.write("POST /v1/run HTTP/1.1\r\nHost: agent\r\nX-Long: ".getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = "a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                while (sent < 100L << 20) {
                    out.write(chunk);
                    sent += chunk.length;
                }
            } catch (IOException e) {
                // the endpoint hung up
            }
            assertTrue(sent < 1 << 20, "the endpoint hangs up on a 100 MB header line early, not after " + sent + " bytes");

            long start = System.nanoTime();
            assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING));
            assertEquals(1, served(), "and still serves the launcher");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "promptly");
        }
    }

    /** Defect 2: a killed agent's control file let a local user serve its port, get root's token and forge answers. */
    @Test
    void aKilledAgentsSocketCannotBeTakenOverAndTheLauncherRunsTheCommandItself() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root, to be someone else");
        Process agent = JavaProcess.start(ControlServerMain.class, paths.socket().toString(), store, "h1", log.toString());
        try {
            assertEquals("ready", new BufferedReader(new InputStreamReader(agent.getInputStream())).readLine());
            assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING));
            assertEquals(1, served());
        } finally {
            agent.destroyForcibly().waitFor();
        }
        assertTrue(Files.exists(paths.socket()), "kill -9 leaves the socket file behind");

        CommandRunner.Result impostor = Unprivileged.java(dir, "Impostor", IMPOSTOR, paths.socket().toString());
        assertNotEquals(0, impostor.exitCode(), "an unprivileged user cannot serve the old socket: " + impostor.stdout());
        assertTrue(impostor.stdout().contains("denied"), impostor.stdout() + impostor.stderr());
        CommandRunner.Result elsewhere = Unprivileged.run("touch", paths.runDir().resolve("agent.sock.new").toString());
        assertFalse(elsewhere.ok(), "nor put anything into the run directory");

        assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING),
                "nobody listens: the launcher runs the command itself and reports its real outcome");
        assertEquals(1, served());
    }

    /**
     * Run as `bash jcalico` (a name without a directory), the launcher finds itself again when nobody listens on the
     * socket: its client must not look the name up in PATH, where another jcalico, or none, may be.
     */
    @Test
    void launchedByANameWithoutADirectoryTheLauncherRunsTheCommandItselfWhenNobodyListens() throws Exception {
        Files.createDirectories(paths.runDir());
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(paths.socket()));
        }
        assertTrue(Files.exists(paths.socket()), "a socket file nobody listens on");
        assertEquals(new Outcome(1, "", ERROR), run(Map.of(), store, List.of("bash", "jcalico", "container", "add", MISSING)));
    }

    /** An agent that dies after it took the command may have done part of it: the launcher must not run it again. */
    @Test
    void anAgentThatDiesWhileRunningTheCommandIsReportedAndTheCommandNotRunTwice() throws Exception {
        Files.createDirectories(paths.runDir());
        Files.setPosixFilePermissions(paths.runDir(), PosixFilePermissions.fromString("rwx------"));
        try (ServerSocketChannel dying = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dying.bind(UnixDomainSocketAddress.of(paths.socket()));
            Thread.ofPlatform().daemon().start(() -> {
                try (SocketChannel client = dying.accept()) {
                    client.read(ByteBuffer.allocate(1 << 16));
                } catch (IOException e) {
                    // the test is over
                }
            });
            Outcome outcome = launch(store, "container", "add", MISSING);
            assertEquals(new Outcome(1, "", "error: the agent stopped before finishing the command (see its log)\n"), outcome);
        }
    }

    /** A list only reads: when the agent fails it, the launcher runs it itself rather than fail. */
    @Test
    void aListTheAgentFailsRunsInTheLauncher() throws Exception {
        assertEquals(0, launch(store, "pool", "add", "10.73.0.0/16").status());
        Outcome local = launchWith(Map.of("JCALICO_NO_AGENT", "1"), store, "pool", "list");
        Files.createDirectories(paths.runDir());
        Files.setPosixFilePermissions(paths.runDir(), PosixFilePermissions.fromString("rwx------"));
        try (ServerSocketChannel dying = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dying.bind(UnixDomainSocketAddress.of(paths.socket()));
            Thread.ofPlatform().daemon().start(() -> {
                try (SocketChannel client = dying.accept()) {
                    client.read(ByteBuffer.allocate(1 << 16));
                } catch (IOException e) {
                    // the test is over
                }
            });
            assertEquals(local, launch(store, "pool", "list"));
            assertTrue(local.out().contains("10.73.0.0/16"), local.out());
        }
    }

    /** Binds the socket path it is given and answers every request with a forged success. */
    private static final String IMPOSTOR = """
            import java.net.*;
            import java.nio.*;
            import java.nio.channels.*;
            import java.nio.file.*;
            public class Impostor {
                public static void main(String[] args) throws Exception {
                    Path path = Path.of(args[0]);
                    try {
                        Files.deleteIfExists(path);
                        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                        server.bind(UnixDomainSocketAddress.of(path));
                        System.out.println("bound");
                        try (SocketChannel client = server.accept()) {
                            byte[] body = "forged\\0\\0000\\0".getBytes();
                            client.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\\r\\nContent-Length: " + body.length
                                    + "\\r\\n\\r\\n").getBytes()));
                            client.write(ByteBuffer.wrap(body));
                        }
                    } catch (AccessDeniedException | SocketException e) {
                        System.out.println("denied: " + e);
                        System.exit(3);
                    }
                }
            }
            """;
}
