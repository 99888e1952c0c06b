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
 * JVM alike, and nothing is done.
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
        Target target = new Target(DatastoreUrl.parse("embedded:" + dir.resolve("store.db")), "n1", dir.resolve("run"), dir.resolve("log"));
        CniInstaller.Installed installed = new CniInstaller("net1", "1.0.0", target, List.of(), List.of(),
                JvmCommand.jcalico(JvmCommand.CacheUse.NONE)).install(dir.resolve("bin"), dir.resolve("conf"));
        Path socket = target.agentPaths().socket();
        Files.createDirectories(socket.getParent());
        Log log = Log.open(dir.resolve("agent.log"), false, "info");
        try (ServedResources served = new ServedResources(target.datastore(), CommandRunner.local());
             ControlServer agent = ControlServer.start(socket, Map.of("/v1/cni", new CniAgentResource(
                     CniInvocation.Role.PLUGIN, target.datastore(), "n1", log, served)::handle), log)) {
            for (int variables : new int[] {7, 11}) {
                JsonNode error = run(installed.plugin(), variables);
                assertEquals(CniError.INVALID_ENVIRONMENT, error.path("code").asInt(), variables + " variables: " + error);
                assertTrue(error.path("details").asText().matches("the CNI_ variables take \\d+ KiB, more than 512 KiB"),
                        variables + " variables: " + error);
            }
        }
        assertTrue(Files.notExists(dir.resolve("store.db")), "no datastore opened");
    }

    /** The plugin's answer to VERSION with VARIABLES variables of 100,000 bytes each beside the usual ones. */
    private JsonNode run(Path plugin, int variables) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\"}");
        ProcessBuilder builder = new ProcessBuilder(plugin.toString()).redirectInput(config.toFile())
                .redirectError(new File("/dev/null"));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("CNI_") || name.startsWith("JCALICO_"));
        env.putAll(Map.of("CNI_COMMAND", "VERSION", "CNI_PATH", "/nonexistent"));
        for (int i = 0; i < variables; i++) {
            env.put("CNI_PAD" + i, "x".repeat(100_000));
        }
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
