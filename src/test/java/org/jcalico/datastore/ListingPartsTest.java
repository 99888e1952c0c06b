package org.jcalico.datastore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jcalico.model.Node;
import org.junit.jupiter.api.Test;

/** Where the agent's listing is split: at the endpoints of nodes evenly spaced among the nodes' names. */
class ListingPartsTest {
    @Test
    void splitsAtEvenlySpacedNodesInKeyOrderAndNotAtAllWithFewerNodesThanParts() {
        assertEquals(Keys.prefix(Node.class), ListingParts.byNodes(4).under());
        assertEquals(List.of(), splits(4, "h1", "n"));
        // the names sort h1, n, n-b, z; their endpoints' prefixes n-b/ before n/, and splits must ascend
        assertEquals(List.of(Keys.ROOT + "workloadendpoints/n-b/", Keys.ROOT + "workloadendpoints/n/",
                Keys.ROOT + "workloadendpoints/z/"), splits(4, "h1", "n", "n-b", "z"));
        assertEquals(List.of(Keys.ROOT + "workloadendpoints/n-b/"), splits(2, "h1", "n", "n-b", "z"));
    }

    private static List<String> splits(int parts, String... nodes) {
        ListingParts.Splitter splitter = ListingParts.byNodes(parts);
        return splitter.splits().apply(List.of(nodes).stream().map(node -> splitter.under() + node).toList());
    }
}
