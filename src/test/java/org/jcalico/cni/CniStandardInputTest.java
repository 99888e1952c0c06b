package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jcalico.agent.JvmCommand;
import org.jcalico.datastore.DatastoreUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's standard input comes from a runtime, or from whoever can run the plugin: an endless or huge one is
 * refused at the configuration's bound with the specification's error, instead of filling the memory of the script
 * or of the JVM (an OutOfMemoryError, no CNI answer), and nothing is done.
 */
class CniStandardInputTest {
    private static final long OFFERED = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void theJvmPluginRefusesAnEndlessConfigurationWithTheSpecificationsError() throws Exception {
        List<String> command = new ArrayList<>(JvmCommand.jcalico(JvmCommand.CacheUse.NONE));
        command.addAll(List.of("cni", "plugin"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(new File("/dev/zero"));
        addEnvironment(builder);
        Process process = builder.start();
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the plugin ended");
        assertRefused(stdout, process.exitValue(), new String(stderr.get(), StandardCharsets.UTF_8));
    }

    /**
     * The installed script reads no more than one byte over the bound before it hands the configuration on (here, with
     * no agent listening, to the plugin's own JVM): a runtime offering 64 MiB finds its pipe closed early.
     */
    @Test
    void theInstalledScriptStopsReadingAtTheBoundAndAnswersTheSameError() throws Exception {
        Path runDir = dir.resolve("run");
        Target target = new Target(DatastoreUrl.parse("embedded:" + dir.resolve("store.db")), "n1", runDir, dir.resolve("log"));
        CniInstaller.Installed installed = new CniInstaller("net1", "1.0.0", target, List.of(), List.of(),
                JvmCommand.jcalico(JvmCommand.CacheUse.NONE)).install(dir.resolve("bin"), dir.resolve("conf"));
        ProcessBuilder builder = new ProcessBuilder(installed.plugin().toString());
        addEnvironment(builder);
        Process process = builder.start();
        CompletableFuture<Long> written = CompletableFuture.supplyAsync(() -> offer(process.getOutputStream()));
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the plugin ended");
        assertRefused(stdout, process.exitValue(), new String(stderr.get(), StandardCharsets.UTF_8));
        assertTrue(written.get(60, TimeUnit.SECONDS) < OFFERED, "the script stopped reading: " + written.get() + " bytes taken");
        assertTrue(Files.notExists(dir.resolve("store.db")), "no datastore opened");
    }

    private static void addEnvironment(ProcessBuilder builder) {
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("CNI_") || name.startsWith("JCALICO_"));
        env.putAll(Map.of("CNI_COMMAND", "VERSION", "CNI_PATH", "/nonexistent"));
    }

    private static void assertRefused(String stdout, int status, String stderr) throws IOException {
        JsonNode error = new ObjectMapper().readTree(stdout);
        assertEquals(1, status, stdout + stderr);
        assertEquals(CniError.INVALID_CONFIG, error.path("code").asInt(), stdout + stderr);
        assertEquals("the configuration is larger than 256 KiB", error.path("details").asText(), stdout);
    }

    /** A valid configuration whose padding makes it 64 MiB; the count of bytes the reader took before it closed. */
    private static long offer(OutputStream in) {
        byte[] head = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\",\"padding\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] padding = new byte[64 * 1024];
        Arrays.fill(padding, (byte) 'a');
        long written = 0;
        try (in) {
            in.write(head);
            written += head.length;
            while (written + padding.length < OFFERED) {
                in.write(padding);
                written += padding.length;
            }
            in.write("\"}".getBytes(StandardCharsets.UTF_8));
            return OFFERED;
        } catch (IOException e) {
            return written;
        }
    }

    private static byte[] readAll(java.io.InputStream stream) {
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
