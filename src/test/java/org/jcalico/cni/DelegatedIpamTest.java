package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another IPAM plugin run by delegation, as a real process. */
class DelegatedIpamTest {
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
        Path plugin = dir.resolve("quick-ipam");
        Files.writeString(plugin, """
                #!/bin/sh
                if [ "$CNI_COMMAND" = VERSION ]; then
                  echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'
                else
                  echo '{"cniVersion":"1.0.0","ips":[{"address":"10.65.0.9/32"}]}'
                fi
                """);
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\",\"ipam\":{\"type\":\"quick-ipam\","
                + "\"padding\":\"" + "x".repeat(200 * 1024) + "\"}}";
        Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", dir.toString());
        CniRequest request = CniRequest.parse(env, config.getBytes(StandardCharsets.UTF_8));
        JsonNode result = new DelegatedIpam(request, new StringBuilder()).run(CniRequest.Verb.ADD);
        assertEquals("10.65.0.9/32", result.path("ips").path(0).path("address").asText());
    }

    /**
     * A plugin whose output has no end (a broken or hostile one) must not fill the heap of whoever runs it, which may be
     * the agent: more than the bound is an IPAM failure, the rest read and dropped. (Here 8 MiB; the old code read
     * it whole, found no JSON in it and took the ADD as having no result.)
     */
    @Test
    void aPluginThatPrintsTooMuchFails() throws Exception {
        Path plugin = dir.resolve("chatty-ipam");
        Files.writeString(plugin, """
                #!/bin/sh
                if [ "$CNI_COMMAND" = VERSION ]; then
                  echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'
                else
                  head -c 8388608 /dev/zero | tr '\\0' ' '; head -c 8388608 /dev/zero >&2; echo '{}'
                fi
                """);
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\",\"ipam\":{\"type\":\"chatty-ipam\"}}";
        Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", dir.toString());
        CniRequest request = CniRequest.parse(env, config.getBytes(StandardCharsets.UTF_8));
        StringBuilder stderr = new StringBuilder();
        CniError error = org.junit.jupiter.api.Assertions.assertThrows(CniError.class,
                () -> new DelegatedIpam(request, stderr).run(CniRequest.Verb.ADD));
        assertEquals(CniError.IPAM_FAILED, error.code());
        assertEquals(true, error.getMessage().contains("it printed more than 1024 KiB"), error.getMessage());
        assertEquals(true, stderr.length() < DelegatedIpam.MAX_OUTPUT_BYTES + 200, "standard error kept within the bound too");
    }

    /**
     * A plugin that writes more to standard error than a pipe holds before it answers is heard: its two outputs are
     * read at once. They were read in the common pool, one thread on a 2-core machine, so the reader of standard error
     * waited for the reader of standard output, which waited for the plugin: no answer until the 30 s timeout.
     */
    @Test
    void aPluginThatWritesMuchToStandardErrorFirstIsHeard() throws Exception {
        Path plugin = dir.resolve("noisy-ipam");
        Files.writeString(plugin, """
                #!/bin/sh
                if [ "$CNI_COMMAND" = VERSION ]; then
                  echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'
                else
                  head -c 262144 /dev/zero | tr '\\0' 'x' >&2
                  echo '{"cniVersion":"1.0.0","ips":[{"address":"10.65.0.9/32"}]}'
                fi
                """);
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\",\"ipam\":{\"type\":\"noisy-ipam\"}}";
        Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", dir.toString());
        CniRequest request = CniRequest.parse(env, config.getBytes(StandardCharsets.UTF_8));
        long start = System.nanoTime();
        JsonNode result = new DelegatedIpam(request, new StringBuilder()).run(CniRequest.Verb.ADD);
        assertEquals("10.65.0.9/32", result.path("ips").path(0).path("address").asText());
        assertEquals(true, System.nanoTime() - start < 10_000_000_000L, "answered within 10 s");
    }
}
