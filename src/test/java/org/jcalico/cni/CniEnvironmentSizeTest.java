package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jcalico.agent.ControlServer;
import org.jcalico.agent.ServedResources;
import org.jcalico.agent.JvmCommand;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime (or whoever runs the plugin) can hand it CNI_ variables of any size (Linux takes 128 KiB each): too much
 * is the specification's "invalid environment" saying what is too large, from the agent or from the plugin's own
 * JVM alike, and nothing is done. Or of any content: what reaches the agent's log is written out, never a terminal's
 * escape sequence.
 */
class CniEnvironmentSizeTest {
    @TempDir
    Path dir;

    /**
     * Through the installed script and a real agent socket: 700 KiB of variables, which the socket takes, and 1.1 MB,
     * which it refuses (413, its 1 MiB body). The old code answered the first as if nothing were wrong, and the second
     * "the jcalico agent did not answer (0 413)", code 11 (try again later: it never will).
     */
    @Test
    void tooLargeAnEnvironmentIsAnInvalidEnvironmentSayingSo() throws Exception {
        try (Agent agent = new Agent()) {
            for (int variables : new int[] {7, 11}) {
                Map<String, String> env = new java.util.HashMap<>(Map.of("CNI_COMMAND", "VERSION"));
                for (int i = 0; i < variables; i++) {
                    env.put("CNI_PAD" + i, "x".repeat(100_000));
                }
                JsonNode error = run(agent.plugin, env);
                assertEquals(CniError.INVALID_ENVIRONMENT, error.path("code").asInt(), variables + " variables: " + error);
                assertTrue(error.path("details").asText().matches("the CNI_ variables take \\d+ KiB, more than 512 KiB"),
                        variables + " variables: " + error);
            }
        }
        assertTrue(Files.notExists(dir.resolve("store.db")), "no datastore opened");
    }

    /**
     * A container id holding a terminal's title sequence (ESC ] 0 ; ... BEL), refused by the plugin, is told in the
     * agent's felix.log as the line of every call, its control characters written out. The old code wrote them raw:
     * whoever read the log on a terminal had its title set (or worse) by whoever ran the plugin.
     */
    @Test
    void aHostileContainerIdReachesTheAgentsLogWrittenOut() throws Exception {
        try (Agent agent = new Agent()) {
            JsonNode error = run(agent.plugin, Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "\u001b]0;owned\u0007c1",
                    "CNI_NETNS", "/nonexistent", "CNI_IFNAME", "eth0"));
            assertEquals(CniError.INVALID_ENVIRONMENT, error.path("code").asInt(), error.toString());
        }
        String log = Files.readString(dir.resolve("agent.log"));
        assertTrue(log.contains("for container \\x1b]0;owned\\x07c1: exit status 1"), org.jcalico.util.Shown.escaped(log));
        assertTrue(log.chars().noneMatch(c -> c < 0x20 && c != '\n'), "no control character: " + org.jcalico.util.Shown.escaped(log));
    }

    /** Node n1's agent serving CNI calls on its socket, logging to agent.log, and the plugin installed for n1. */
    private final class Agent implements AutoCloseable {
        private final Path plugin;
        private final ServedResources served;
        private final ControlServer server;

        Agent() throws Exception {
            Target target = new Target(DatastoreUrl.parse("embedded:" + dir.resolve("store.db")), "n1", dir.resolve("run"), dir.resolve("log"));
            plugin = new CniInstaller("net1", "1.0.0", target, List.of(), List.of(),
                    JvmCommand.jcalico(JvmCommand.CacheUse.NONE)).install(dir.resolve("bin"), dir.resolve("conf")).plugin();
            Path socket = target.agentPaths().socket();
            Files.createDirectories(socket.getParent());
            Log log = Log.open(dir.resolve("agent.log"), false, "info");
            served = new ServedResources(target.datastore(), CommandRunner.local());
            server = ControlServer.start(socket, Map.of("/v1/cni", new CniAgentResource(
                    CniInvocation.Role.PLUGIN, target.datastore(), "n1", log, served)::handle), log);
        }

        @Override
        public void close() {
            try (served; server) {
                // both closed, the server first
            }
        }
    }

    /** The plugin's answer with VARIABLES (CNI_ variables) beside CNI_PATH, given the network net1's configuration. */
    private JsonNode run(Path plugin, Map<String, String> variables) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\"}");
        ProcessBuilder builder = new ProcessBuilder(plugin.toString()).redirectInput(config.toFile())
                .redirectError(new File("/dev/null"));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("CNI_") || name.startsWith("JCALICO_"));
        env.put("CNI_PATH", "/nonexistent");
        env.putAll(variables);
        Process process = builder.start();
        CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the plugin ended");
        assertEquals(1, process.exitValue());
        return new ObjectMapper().readTree(new String(stdout.get(), StandardCharsets.UTF_8));
    }
}
