package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;
import org.jcalico.workload.Intent;
import org.jcalico.workload.Owner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CNI GC over stale attachments of containers on which another command (an ADD of a second interface, run by
 * another process) is under way: a removal waits for such a command, up to 20 s, but a GC waits that long once in
 * all, not once for each such container, and then answers which attachments it left and why (docs/cni.md,
 * "Session 57 (t-join)").
 */
@Tag("kernel")
class GcBesideAddsUnderWayTest {
    private static final String NODE = "n1";
    private static final String NETWORK = "net1";
    private static final List<String> CONTAINERS = List.of("c-under-way-1", "c-under-way-2", "c-under-way-3");

    @TempDir
    Path dir;
    private String prefix;
    private Datastore datastore;
    private Process command;

    @BeforeEach
    void setUp() throws IOException {
        KernelTests.assumeKernel();
        prefix = TestNamespaces.named("jcc-gcuw-");
        Namespaces.deleteAll(prefix);
        // the process that holds the ADDs under way: alive for the whole test, and not this one
        command = new ProcessBuilder("sleep", "600").start();
    }

    @AfterEach
    void tearDown() {
        if (command != null) {
            command.destroy();
        }
        if (datastore != null) {
            datastore.close();
        }
        Namespaces.deleteAll(prefix);
    }

    @Test
    void aGcWaitsForCommandsUnderWayOnceInAllAndSaysWhichAttachmentsItLeft() throws IOException {
        CommandRunner host = Namespaces.create(prefix + "host");
        datastore = Datastores.open("embedded:" + dir.resolve("store.db"));
        ResourceStore store = new ResourceStore(datastore);
        store.create(new Node(NODE, null, null, null));
        Owner other = new Owner(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip(), command.pid(),
                command.info().startInstant().map(Instant::toEpochMilli).orElseThrow());
        int n = 0;
        for (String container : CONTAINERS) {
            n++;
            String stale = ContainerService.endpointId(NODE, container, "eth0");
            store.create(new WorkloadEndpoint(NODE, Identity.ORCHESTRATOR, container, stale, "jcgc" + n, null,
                    List.of(Cidr.parse("10.66.0." + n + "/32")), List.of(), List.of(), WorkloadEndpoint.ACTIVE, "default",
                    Map.of(Identity.NETWORK_LABEL, NETWORK), List.of(), null));
            String adding = ContainerService.endpointId(NODE, container, "eth1");
            Intent add = new Intent(Intent.Operation.attach, NODE, adding, container, "jcgcadd" + n, adding, List.of(), other);
            datastore.create(add.key(), add.toJson());
        }
        CniPlugin plugin = new CniPlugin(store, new ContainerService(store, host,
                new ContainerResolver(DockerClient.fromDockerHost(null))), new HostProbe(host), NODE, new StringBuilder());
        CniRequest gc = CniRequest.parse(Map.of("CNI_COMMAND", "GC", "CNI_PATH", "/opt/cni/bin"),
                ("{\"cniVersion\":\"1.1.0\",\"name\":\"" + NETWORK + "\",\"type\":\"jcalico-cni\",\"ipam\":{\"type\":\"jcalico-ipam\"},"
                        + "\"cni.dev/valid-attachments\":[]}").getBytes(StandardCharsets.UTF_8));
        long start = System.nanoTime();
        CniError answer = assertThrows(CniError.class, () -> plugin.gc(gc));
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 30, "GC beside " + CONTAINERS.size() + " ADDs under way took " + seconds + " s");
        assertEquals(CniError.ATTACHMENT_FAILED, answer.code(), answer.getMessage());
        for (String container : CONTAINERS) {
            assertTrue(answer.getMessage().contains(container + ": container '" + container + "' is being attached by another command (pid "
                    + command.pid() + ")"), "the answer names the attachment left and why: " + answer.getMessage());
        }
        assertEquals(CONTAINERS.size(), store.list(WorkloadEndpoint.class).size(), "the attachments under way are left as they are");
        assertTrue(datastore.list(Keys.INTENTS + NODE + "/").items().size() == CONTAINERS.size(), "the commands' intents are theirs");
    }
}
