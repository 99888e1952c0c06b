package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.jcalico.felix.AgentPaths;
import org.jcalico.felix.ControlSocket;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher hands `container add` to the node's running agent over its control socket, and runs the command itself
 * when the agent declines or is not there; the user sees the same either way. Without the token, the socket refuses.
 */
class LauncherDelegationIT {
    private static final String MISSING = "netns:jct-launcher-no-such-namespace";
    private static final String ERROR = "error: no such network namespace: /run/netns/jct-launcher-no-such-namespace (from '"
            + MISSING + "')\n";
    @TempDir
    Path dir;

    private record Outcome(int status, String out, String err) {
    }

    private Outcome launch(String datastore, String... args) throws IOException, InterruptedException {
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(Path.of("jcalico").toAbsolutePath().toString());
        builder.command().addAll(List.of(args));
        builder.environment().putAll(java.util.Map.of("JCALICO_RUN_DIR", dir.resolve("run").toString(),
                "JCALICO_NODENAME", "h1", "JCALICO_DATASTORE", datastore));
        Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        int status = process.waitFor();
        return new Outcome(status, Files.readString(stdout), Files.readString(stderr));
    }

    @Test
    void theAgentServesTheCommandAndTheLauncherRunsWhatItDeclines() throws Exception {
        String store = "embedded:" + dir.resolve("store.db");
        // the launcher's first run in a fresh clone records its start-up cache, and says so
        assertEquals(0, launch(store, "version").status());
        Path log = dir.resolve("felix.log");
        AgentPaths paths = AgentPaths.of("h1", dir.resolve("run"), dir);
        try (ControlSocket ignored = ControlSocket.open(paths.controlFile(),
                new AgentDelegation(org.jcalico.datastore.DatastoreUrl.parse(store), "h1", Log.open(log, false, "info"))::handle, Log.open(log, false, "info"))) {
            assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING));
            assertTrue(Files.readString(log).contains("ran 'container add " + MISSING + "' for the launcher: exit status 1"),
                    "the agent ran it");

            String otherStore = "embedded:" + dir.resolve("other.db");
            assertEquals(new Outcome(1, "", ERROR), launch(otherStore, "container", "add", MISSING),
                    "declined (another datastore) and run by the launcher");
            assertEquals(1, Files.readString(log).lines().filter(line -> line.contains("for the launcher:")).count(),
                    "the agent ran only the first");

            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.controlFile())));
            String[] portAndToken = Files.readString(paths.controlFile()).strip().split(" ");
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + portAndToken[0] + "/v1/run");
            byte[] request = (store + "\0h1\0container\0add\0" + MISSING + "\0").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer 0123456789abcdef0123456789abcdef")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode(), "a wrong token is refused");
            HttpResponse<String> served = http.send(HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + portAndToken[1])
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("\0" + ERROR + "\0" + "1\0", served.body(), "curl or any HTTP client with the token works too");
            assertEquals(2, Files.readString(log).lines().filter(line -> line.contains("for the launcher:")).count());
        }
        assertTrue(Files.notExists(paths.controlFile()), "a stopped agent's control file is removed");

        // a control file whose port nobody listens on any more, as a killed agent leaves it
        int deadPort;
        try (ServerSocketChannel dead = ServerSocketChannel.open()) {
            dead.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            deadPort = ((InetSocketAddress) dead.getLocalAddress()).getPort();
        }
        Files.writeString(paths.controlFile(), deadPort + " 0123456789abcdef0123456789abcdef\n");
        assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING), "run by the launcher");
    }
}
