package org.jcalico.docker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jcalico.datastore.Keys;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A plugin kernel test's node ({@link PluginFixture}, its fake dockerd served), network driver and IPAM driver. */
abstract class PluginKernelTest {
    @TempDir
    Path dir;
    PluginFixture node;
    NetworkDriver network;
    IpamDriver ipam;

    /** The prefix of the test's namespace ("jcsd-d...-"). */
    abstract String prefix();

    @BeforeEach
    void setUp() throws IOException {
        node = new PluginFixture(prefix(), dir);
        node.serveDockerd(() -> { });
        network = node.networkDriver();
        ipam = new IpamDriver(node.store, PluginFixture.NODE, network);
    }

    /**
     * What the node holds of docker's attachments: its endpoint records, the addresses docker's IPAM handle holds, its
     * intents, and the links of its namespace that {@code link} selects, one line each.
     */
    List<String> left(Predicate<String> link) {
        List<String> left = new ArrayList<>();
        node.store.list(WorkloadEndpoint.class).forEach(endpoint -> left.add("endpoint " + endpoint.resource().endpointId()));
        new Ipam(node.store).addressesOf(IpamDriver.handle(PluginFixture.NODE)).forEach(held -> left.add("address " + held));
        node.store.datastore().list(Keys.INTENTS + PluginFixture.NODE + "/").items().forEach(intent -> left.add("intent " + intent.key()));
        node.links().lines().filter(link).forEach(line -> left.add("link " + line));
        return left;
    }

    /** "ok", or "refused: " and why, as a caller on the plugin's socket would read the call's answer. */
    static String call(Runnable call) {
        try {
            call.run();
            return "ok";
        } catch (RuntimeException e) {
            return "refused: " + e.getMessage();
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        if (node != null) {
            node.close();
        }
    }
}
