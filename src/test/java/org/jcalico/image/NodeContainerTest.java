package org.jcalico.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jcalico.agent.AgentOptions;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.model.IpAddress;
import org.junit.jupiter.api.Test;

class NodeContainerTest {
    private static final AgentOptions OPTIONS = new AgentOptions("n1", DatastoreUrl.parse("embedded:/srv/jc/store.db"),
            IpAddress.parse("172.30.0.11"), IpAddress.parse("fd30::b"), 64512L, true, Path.of("/run/jc"), Path.of("/var/log/jc"),
            Path.of("/etc/jc/plugins"));

    @Test
    void theContainerSharesTheHostsNetworkAndPidsAndRunsTheAgentInTheForeground() {
        List<String> args = NodeContainer.runArguments(OPTIONS, "jcalico/node:1", Map.of());
        for (String flag : List.of("--net=host", "--pid=host", "NET_ADMIN", "systempaths=unconfined", "--restart=unless-stopped")) {
            assertTrue(args.contains(flag), flag + " in " + args);
        }
        assertEquals("jcalico-node-n1", args.get(args.indexOf("--name") + 1));
        int image = args.indexOf("jcalico/node:1");
        assertEquals(OPTIONS.arguments(AgentOptions.Role.FOREGROUND), args.subList(image + 1, args.size()),
                "after the image: the agent's own command line, as `node start --foreground`");
        assertTrue(args.subList(image + 1, args.size()).containsAll(List.of("--foreground", "--as", "64512", "--ip6", "fd30::b")));
    }

    @Test
    void theRunLogAndPluginDirectoriesAndTheEmbeddedStoreAreMountedAtTheirOwnPaths() {
        List<String> volumes = volumes(NodeContainer.runArguments(OPTIONS, "i", Map.of()));
        assertTrue(volumes.containsAll(List.of("/run/jc/n1:/run/jc/n1", "/var/log/jc/n1:/var/log/jc/n1", "/srv/jc:/srv/jc",
                "/etc/jc/plugins:/etc/jc/plugins")),
                volumes.toString());
        List<String> etcd = volumes(NodeContainer.runArguments(new AgentOptions("n1", DatastoreUrl.parse("etcd://10.0.0.5:2379"),
                null, null, null, false, Path.of("/run/jc"), Path.of("/var/log/jc"), null), "i", Map.of()));
        assertFalse(etcd.stream().anyMatch(volume -> volume.startsWith("/srv") || volume.startsWith("/etc")),
                "no store directory with etcd, no plugin directory without the plugin: " + etcd);
    }

    @Test
    void jcalicoAndDockerVariablesGoInByNameNeverByValue() {
        Map<String, String> environment = Map.of("JCALICO_ETCD_PASSWORD", "secret", "DOCKER_CONFIG", "/x", "HOME", "/root");
        List<String> args = NodeContainer.runArguments(OPTIONS, "i", environment);
        assertEquals(2, Collections.frequency(args, "--env"), args.toString());
        assertTrue(args.containsAll(List.of("JCALICO_ETCD_PASSWORD", "DOCKER_CONFIG")), args.toString());
        assertFalse(args.stream().anyMatch(arg -> arg.contains("secret") || arg.contains("HOME")), args.toString());
    }

    @Test
    void etcdsCertificatesKeyAndPasswordFilesAreMountedReadOnly() {
        AgentOptions options = new AgentOptions("n1", DatastoreUrl.parse("etcds://10.0.0.5:2379?ca=/etc/jc/ca.pem&cert=/etc/jc/me.pem&user=u"),
                null, null, null, true, Path.of("/run/jc"), Path.of("/var/log/jc"), null);
        List<String> volumes = volumes(NodeContainer.runArguments(options, "i",
                Map.of("JCALICO_ETCD_KEY", "/etc/jc/me.key", "JCALICO_ETCD_PASSWORD_FILE", "/etc/jc/password")));
        assertTrue(volumes.containsAll(List.of("/etc/jc/ca.pem:/etc/jc/ca.pem:ro", "/etc/jc/me.pem:/etc/jc/me.pem:ro",
                "/etc/jc/me.key:/etc/jc/me.key:ro", "/etc/jc/password:/etc/jc/password:ro")), volumes.toString());
    }

    private static List<String> volumes(List<String> args) {
        return java.util.stream.IntStream.range(0, args.size() - 1).filter(i -> args.get(i).equals("--volume"))
                .mapToObj(i -> args.get(i + 1)).toList();
    }
}
