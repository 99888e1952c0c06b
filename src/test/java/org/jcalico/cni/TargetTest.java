package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The configuration's run and log directories: absent is jcalico's default, anything but an absolute path is refused. */
class TargetTest {
    private static Target target(String fields) {
        return Target.of(NetworkConfig.parse(("{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\","
                + "\"nodename\":\"n1\"" + fields + "}").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void absentDirectoriesAreJcalicosDefaults() {
        Target target = target("");
        assertEquals(Path.of("/run/jcalico/n1/agent.sock"), target.agentPaths().socket());
        assertEquals(Path.of("/var/log/jcalico/n1/cni.log"), target.agentPaths().cniLog());
    }

    @Test
    void theLogDirectoryIsTheConfigurationsOwnOrItsIpamSections() {
        assertEquals(Path.of("/var/log/jcalico/lab-x/n1/felix.log"),
                target(",\"log_dir\":\"/var/log/jcalico/lab-x\"").agentPaths().log());
        assertEquals(Path.of("/var/log/jcalico/lab-y"),
                target(",\"ipam\":{\"type\":\"jcalico-ipam\",\"log_dir\":\"/var/log/jcalico/lab-y\"}").logDir());
    }

    @Test
    void aDirectoryThatIsNoAbsolutePathIsTheConfigurationsError() {
        // JSON text, then the line the runtime gets: a NUL is no path character, and is written out
        for (String[] bad : new String[][] {{"log_dir", "logs", "logs"}, {"log_dir", "/var/log/\\u0000x", "/var/log/\\x00x"},
                {"run_dir", "run", "run"}}) {
            CniError error = assertThrows(CniError.class, () -> target(",\"" + bad[0] + "\":\"" + bad[1] + "\""));
            assertEquals(CniError.INVALID_CONFIG, error.code(), bad[1]);
            assertEquals(bad[0] + ": '" + bad[2] + "' is not an absolute path", details(error));
        }
        assertEquals("log_dir: not a string", details(assertThrows(CniError.class, () -> target(",\"log_dir\":7"))));
    }

    private static String details(CniError error) {
        return error.toJson(CniVersion.LATEST).path("details").asText();
    }
}
