package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another IPAM plugin run by delegation, as a real process. */
class DelegatedIpamTest {
    private static final String RESULT = "echo '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.65.0.9/32\"}]}'";

    @TempDir
    Path dir;

    /**
     * A plugin that answers without reading its standard input (host-local's VERSION does) and exits before the
     * configuration is written: its answer counts, not the failed write. The configuration is larger than a pipe
     * holds (64 KiB) and within the configuration's bound, so the write fails every time, as it did now and then on
     * CI for a small one.
     */
    @Test
    void aPluginThatAnswersWithoutReadingItsInputIsHeard() throws Exception {
        CniRequest request = addWith("quick-ipam", RESULT, ",\"padding\":\"" + "x".repeat(200 * 1024) + "\"");
        JsonNode result = new DelegatedIpam(request, new StringBuilder()).run(CniRequest.Verb.ADD);
        assertEquals("10.65.0.9/32", result.path("ips").path(0).path("address").asText());
    }

    /**
     * A plugin that writes more to standard error than a pipe holds before it answers is heard: its two outputs are
     * read at once. They were read in the common pool, one thread on a 2-core machine, so the reader of standard error
     * waited for the reader of standard output, which waited for the plugin: no answer until the 30 s timeout.
     */
    @Test
    void aPluginThatWritesMuchToStandardErrorFirstIsHeard() throws Exception {
        CniRequest request = addWith("noisy-ipam", "head -c 262144 /dev/zero | tr '\\0' 'x' >&2\n" + RESULT, "");
        long start = System.nanoTime();
        JsonNode result = new DelegatedIpam(request, new StringBuilder()).run(CniRequest.Verb.ADD);
        assertEquals("10.65.0.9/32", result.path("ips").path(0).path("address").asText());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "answered within 10 s");
    }

    /**
     * A plugin whose output has no end (a broken or hostile one) must not fill the heap of whoever runs it, which may be
     * the agent: more than the bound is an IPAM failure, the rest read and dropped. (Here 8 MiB; the old code read
     * it whole, found no JSON in it and took the ADD as having no result.)
     */
    @Test
    void aPluginThatPrintsTooMuchFails() throws Exception {
        CniRequest request = addWith("chatty-ipam",
                "head -c 8388608 /dev/zero | tr '\\0' ' '; head -c 8388608 /dev/zero >&2; echo '{}'", "");
        StringBuilder stderr = new StringBuilder();
        CniError error = assertThrows(CniError.class, () -> new DelegatedIpam(request, stderr).run(CniRequest.Verb.ADD));
        assertEquals(CniError.IPAM_FAILED, error.code());
        assertTrue(error.getMessage().contains("it printed more than 1024 KiB"), error.getMessage());
        assertTrue(stderr.length() < DelegatedIpam.MAX_OUTPUT_BYTES + 200, "standard error kept within the bound too");
    }

    /**
     * A plugin that answers and exits but leaves a process behind that holds its standard output open (a daemon it
     * started without closing its descriptors) is heard, promptly: the old code waited for the end of that output,
     * which comes only when the process left behind exits, with no time limit.
     */
    @Test
    void aPluginThatLeavesAProcessHoldingItsOutputIsHeard() throws Exception {
        Path pidFile = dir.resolve("left.pid");
        CniRequest request = addWith("leaving-ipam", RESULT + "\nsleep 60 & echo $! > " + pidFile, "");
        long start = System.nanoTime();
        try {
            JsonNode result = new DelegatedIpam(request, new StringBuilder()).run(CniRequest.Verb.ADD);
            assertEquals("10.65.0.9/32", result.path("ips").path(0).path("address").asText());
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "answered within 10 s");
        } finally {
            ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).ifPresent(ProcessHandle::destroy);
        }
    }

    /**
     * An ADD delegated to the plugin NAME in the test's directory, which answers VERSION and runs ADD_SCRIPT for
     * anything else; IPAM_FIELDS are added to the configuration's ipam object.
     */
    private CniRequest addWith(String name, String addScript, String ipamFields) throws IOException {
        Path plugin = dir.resolve(name);
        Files.writeString(plugin, """
                #!/bin/sh
                if [ "$CNI_COMMAND" = VERSION ]; then
                  echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'
                  exit 0
                fi
                """ + addScript + "\n");
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\",\"ipam\":{\"type\":\"" + name + "\""
                + ipamFields + "}}";
        Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", dir.toString());
        return CniRequest.parse(env, config.getBytes(StandardCharsets.UTF_8));
    }
}
