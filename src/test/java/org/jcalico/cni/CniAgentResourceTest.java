package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.agent.ServedResources;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.IpAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CNI calls the agent serves on its socket (the plugin scripts' fast path). */
class CniAgentResourceTest {
    @TempDir
    Path dir;

    /**
     * Served CNI calls run on the datastore connection the agent keeps for what it serves, as the launcher's commands
     * do, not on one opened and closed for each call (as they did until session 35: the store's open was 3 ms of a
     * served add at the median, 9 at p90); the agent closes it when it stops, and not under a call still running.
     */
    @Test
    void servedCallsShareTheAgentsStoreConnectionUntilItStops() throws Exception {
        DatastoreUrl url = DatastoreUrl.parse("embedded:" + dir.resolve("store.db"));
        try (Datastore datastore = url.open(OpenMode.WRITE)) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(new Node("h1", IpAddress.parse("10.99.0.1"), null, null));
            store.create(new IpPool(Cidr.parse("10.67.0.0/16"), false, null, false));
        }
        assertEquals(0, openFilesOf("store.db"), "nothing open before the first call");
        ServedResources served = new ServedResources(url, CommandRunner.local());
        CniAgentResource ipam = new CniAgentResource(CniInvocation.Role.IPAM, url, "h1",
                Log.open(dir.resolve("felix.log"), false, "info"), served);
        String added = call(ipam, "ADD", "c1");
        assertTrue(added.contains("10.67.") && added.endsWith("|0|"), added);
        long open = openFilesOf("store.db");
        assertTrue(open > 0, "the store stays open for the next call");
        assertTrue(call(ipam, "ADD", "c2").endsWith("|0|"));
        assertTrue(call(ipam, "ADD", "c2").endsWith("|1|"), "a failing call: the container holds addresses already");
        assertTrue(call(ipam, "DEL", "c1").endsWith("|0|"));
        assertTrue(call(ipam, "CHECK", "c2").endsWith("|0|"));
        assertEquals(open, openFilesOf("store.db"), "no connection opened beside it");
        try (ServedResources.Use running = served.use()) {
            served.close();
            assertEquals(open, openFilesOf("store.db"), "a call still running keeps it open");
            assertTrue(running.store().get("/calico/ipam/v2/none").isEmpty());
        }
        assertEquals(0, openFilesOf("store.db"), "closed once the agent stopped and the last call ended");
        assertTrue(call(ipam, "DEL", "c2").endsWith("|0|"), "a call after the stop opens its own");
        assertEquals(0, openFilesOf("store.db"), "and closes it");
    }

    /** The reply with its NULs shown as '|'. */
    private String call(CniAgentResource resource, String verb, String containerId) {
        String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"jckipam\",\"type\":\"jcalico-ipam\",\"datastore\":\""
                + "embedded:" + dir.resolve("store.db") + "\",\"nodename\":\"h1\"}";
        String body = "CNI_COMMAND=" + verb + "\0CNI_CONTAINERID=" + containerId + "\0CNI_IFNAME=eth0\0CNI_NETNS=/run/netns/"
                + containerId + "\0CNI_PATH=/opt/cni/bin\0\0" + config;
        return new String(resource.handle(body.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8).replace('\0', '|');
    }

    /** This process's open files whose path starts with the store's. */
    private long openFilesOf(String file) throws IOException {
        String prefix = dir.resolve(file).toString();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    return "";
                }
            }).filter(target -> target.startsWith(prefix)).count();
        }
    }
}
