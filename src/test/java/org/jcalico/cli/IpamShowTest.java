package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.nodes.NodeService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jcalico ipam show` says which blocks are affine to a name no node has: no agent routes them, and only `node remove
 * NAME` gives them up (docs/ipam.md, session 42), so a user must be able to see them and the command that frees them.
 */
class IpamShowTest {
    @TempDir
    Path dir;

    @Test
    void blocksOfANameNoNodeHasAreMarkedWithTheCommandThatGivesThemUp() {
        Path file = dir.resolve("store.db");
        try (EmbeddedDatastore datastore = EmbeddedDatastore.open(file)) {
            ResourceStore store = new ResourceStore(datastore);
            new Pools(store).add(new IpPool(Cidr.parse("10.72.0.0/16"), false, 26, false));
            NodeService nodes = new NodeService(store);
            nodes.register("n1", IpAddress.parse("192.0.2.1"), null, null);
            nodes.register("gone", IpAddress.parse("192.0.2.9"), null, null);
            Ipam ipam = new Ipam(store);
            ipam.assign(IpAddress.parse("10.72.0.5"), "n1", "h1");
            ipam.claim(Cidr.parse("10.72.3.0/26"), "gone");
            ipam.assign(IpAddress.parse("10.72.4.7"), "gone", "cni:gone:net1:c9:eth0");
            // its record deleted as an older jcalico's `node remove` or `delete node` did, its blocks left affine to it
            var record = store.get(Node.class, "gone").orElseThrow();
            store.delete(record.resource(), record.revision());
        }

        assertEquals("""
                pool 10.72.0.0/16: 2 used, 65534 free, 3 block(s) of /26
                  BLOCK         NODE                   USED  FREE
                  10.72.0.0/26  n1                     1     63
                  10.72.3.0/26  gone (not registered)  0     64
                  10.72.4.0/26  gone (not registered)  1     63
                2 block(s) affine to 'gone', which is not a registered node: no agent routes them; 'jcalico node remove gone' gives them up
                """, show(file));
    }

    /** A block claimed ahead of an add (docs/ipam.md, "A block ready ahead of an add") shows as it is: its node's, 0 used. */
    @Test
    void aBlockClaimedAheadShowsAsTheNodesWithNothingUsed() {
        Path file = dir.resolve("store.db");
        try (EmbeddedDatastore datastore = EmbeddedDatastore.open(file)) {
            ResourceStore store = new ResourceStore(datastore);
            new Pools(store).add(new IpPool(Cidr.parse("10.72.0.0/24"), false, 26, false));
            new NodeService(store).register("n1", IpAddress.parse("192.0.2.1"), null, null);
            new Ipam(store).reserve("n1", 4);
        }

        assertEquals("""
                pool 10.72.0.0/24: 0 used, 256 free, 1 block(s) of /26
                  BLOCK         NODE  USED  FREE
                  10.72.0.0/26  n1    0     64
                """, show(file));
    }

    /** `ipam show`'s output on the store; it must succeed and say nothing on stderr. */
    private static String show(Path file) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "--datastore", "embedded:" + file, "ipam", "show");
        assertEquals("", err.toString());
        assertEquals(0, status);
        return out.toString();
    }
}
