package org.jcalico.docker;

import java.io.IOException;
import java.nio.file.Path;
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

    @AfterEach
    void tearDown() throws IOException {
        if (node != null) {
            node.close();
        }
    }
}
