package org.jcalico.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.junit.jupiter.api.Test;

/** Where the agent's listing is split: at the endpoints of nodes evenly spaced among the nodes' names. */
class ListingPartsTest {
    @Test
    void splitsAtEvenlySpacedNodesInKeyOrderAndNotAtAllWithFewerNodesThanParts() throws Exception {
        Path dir = Files.createTempDirectory("jct-parts");
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(new Node("h1", IpAddress.parse("172.16.0.1"), null, null));
            store.create(new Node("n", IpAddress.parse("172.16.0.2"), null, null));
            assertEquals(List.of(), ListingParts.splits(datastore, 4));
            store.create(new Node("n-b", IpAddress.parse("172.16.0.3"), null, null));
            store.create(new Node("z", IpAddress.parse("172.16.0.4"), null, null));
            // the names sort h1, n, n-b, z; their endpoints' prefixes n-b/ before n/, and splits must ascend
            assertEquals(List.of(Keys.ROOT + "workloadendpoints/n-b/", Keys.ROOT + "workloadendpoints/n/",
                    Keys.ROOT + "workloadendpoints/z/"), ListingParts.splits(datastore, 4));
            assertEquals(List.of(Keys.ROOT + "workloadendpoints/n-b/"), ListingParts.splits(datastore, 2));
        } finally {
            org.jcalico.util.Directories.delete(dir);
        }
    }
}
