package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.jcalico.workload.ContainerService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CHECK's look at a real host (namespace "jctp-probe", after JCALICO_TEST_NS_PREFIX) and what it says when it differs. */
@Tag("kernel")
class HostProbeKernelTest {
    private static final String HOST = TestNamespaces.named("jctp-probe");
    private static final String NODE = "n1";
    /**
     * What CHECK finds not as recorded is one short line whatever the caller's CNI_NETNS (any absolute path, 100 KB
     * here) or the endpoint's record (10,000 addresses) holds. Old code: both were echoed whole.
     */
    @Test
    void whatIsNotAsRecordedIsOneShortLine(@TempDir Path dir) throws Exception {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(HOST);
        CommandRunner host = Namespaces.create(HOST);
        try {
            check(host, dir);
        } finally {
            Namespaces.delete(HOST);
        }
    }

    private static void check(CommandRunner host, Path dir) throws Exception {
        host.run("ip", "link", "add", "jcProbe0", "type", "veth", "peer", "name", "pProbe0").check();
        List<Cidr> nets = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            nets.add(Cidr.parse("10.66." + i / 250 + "." + (i % 250 + 1) + "/32"));
        }
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("datastore.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(new WorkloadEndpoint(NODE, "cni", "c1", ContainerService.endpointId(NODE, "c1", "eth0"), "jcProbe0",
                    null, nets, List.of(), List.of("p"), null, null, null, null, null));
            CniPlugin plugin = new CniPlugin(store, new ContainerService(store, host, null), new HostProbe(host), NODE,
                    new StringBuilder());

            String hugeNetns = "/" + "n".repeat(100_000);
            CniError gone = assertThrows(CniError.class, () -> plugin.check(request(hugeNetns, "10.66.0.1/32")));
            CniError other = assertThrows(CniError.class, () -> plugin.check(request("/run/netns/x", "10.99.0.1/32")));
            for (CniError error : List.of(gone, other)) {
                String message = error.getMessage();
                assertTrue(message.length() < 1_000 && message.contains("more"),
                        message.length() + ": " + message.substring(0, Math.min(1_000, message.length())));
            }
        }
    }

    private static CniRequest request(String netns, String previous) {
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\",\"prevResult\":{\"cniVersion\":\"1.0.0\","
                + "\"ips\":[{\"address\":\"" + previous + "\"}]}}";
        return CniRequest.parse(Map.of("CNI_COMMAND", "CHECK", "CNI_CONTAINERID", "c1", "CNI_NETNS", netns,
                "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin"), config.getBytes(StandardCharsets.UTF_8));
    }
}
