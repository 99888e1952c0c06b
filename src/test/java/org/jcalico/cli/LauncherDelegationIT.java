package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.felix.AgentPaths;
import org.jcalico.felix.ControlSocket;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher hands `container add` to the node's running agent over its control socket (with curl), and runs the
 * command itself when the agent declines or is not there; the user sees the same either way.
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
        assumeTrue(new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0, "curl is needed");
        String store = "embedded:" + dir.resolve("store.db");
        Path log = dir.resolve("felix.log");
        AgentPaths paths = AgentPaths.of("h1", dir.resolve("run"), dir);
        try (ControlSocket ignored = ControlSocket.open(paths.controlSocket(),
                new AgentDelegation(store, "h1", Log.open(log, false, "info"))::handle, Log.open(log, false, "info"))) {
            assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING));
            assertTrue(Files.readString(log).contains("ran 'container add " + MISSING + "' for the launcher: exit status 1"),
                    "the agent ran it");

            String otherStore = "embedded:" + dir.resolve("other.db");
            assertEquals(new Outcome(1, "", ERROR), launch(otherStore, "container", "add", MISSING),
                    "declined (another datastore) and run by the launcher");
            assertEquals(1, Files.readString(log).lines().filter(line -> line.contains("for the launcher:")).count(),
                    "the agent ran only the first");
        }
        assertTrue(Files.notExists(paths.controlSocket()), "a stopped agent's socket is removed");

        // a socket file that nobody listens on any more, as a killed agent leaves it
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(paths.controlSocket()));
        }
        assertEquals(new Outcome(1, "", ERROR), launch(store, "container", "add", MISSING), "run by the launcher");
    }
}
