package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A backup of the embedded store restored under a running agent, by moving the backup file over the store's path:
 * the agent must follow the restored file (here: the endpoint added after the backup is gone again, so its route
 * goes), never keep programming from the deleted file while it says it is in sync.
 */
@Tag("kernel")
class DatastoreReplacedIT {
    @Test
    void theAgentFollowsAStoreFileRestoredFromABackup() throws Exception {
        try (LabFixture fixture = LabFixture.up("jcts", 1, false)) {
            Path store = fixture.layout().datastoreUrl().path();
            Path backup = store.resolveSibling("backup.db");
            assertEquals(0, new ProcessBuilder("sqlite3", store.toString(), ".backup " + backup).inheritIO().start().waitFor());

            fixture.jc("h1", "container", "add", "netns:" + fixture.lab().workload("w1"));
            WorkloadEndpoint endpoint = (WorkloadEndpoint) ResourceCodec.decodeAll(
                    fixture.jc("h1", "container", "list", "-o", "json")).getFirst();
            String address = endpoint.nets(4).getFirst().network().toString();
            String host = fixture.layout().host(1);
            assertTrue(routed(fixture, host, address), "the agent routes the new endpoint");

            Files.move(backup, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertTrue(Eventually.within(10, () -> !routed(fixture, host, address)),
                    "the agent follows the restored file, which has no endpoint");
            assertTrue(!fixture.jc("h1", "container", "list").contains(endpoint.containerId()), "commands read the restored file");
            try (Stream<Path> logs = Files.walk(fixture.layout().logDir())) {
                assertTrue(logs.filter(Files::isRegularFile).anyMatch(log -> read(log).contains(
                        "the datastore file " + store + " was replaced by another file")), "the agent says why it resynced");
            }
            // the add waits for the agent's report, which only an agent reading the restored file writes there
            fixture.jc("h1", "container", "add", "netns:" + fixture.lab().workload("w2"));
        }
    }

    private static boolean routed(LabFixture fixture, String host, String address) {
        return fixture.in(host, "ip", "route", "show", address).stdout().contains(address);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
