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
}
