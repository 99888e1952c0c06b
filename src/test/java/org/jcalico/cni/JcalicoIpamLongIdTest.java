package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.Names;
import org.jcalico.testing.RegisteredNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CNI_CONTAINERID the request takes (up to 1,024 characters) may still make jcalico-ipam's address handle (node,
 * network, container ID and interface) too long to store: the ADD says which variable and how long it may be, and
 * writes nothing. Before, it answered with the block's internal field (`allocations.0: 'cni:...' is longer than 1024
 * characters`).
 */
class JcalicoIpamLongIdTest {
    @TempDir
    Path dir;

    @Test
    void aContainerIdTooLongForTheHandleIsRefusedNamingTheVariable() {
        try (EmbeddedDatastore datastore = EmbeddedDatastore.open(dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            new Pools(store).add(new IpPool(Cidr.parse("10.72.0.0/16"), false, 26, false));
            RegisteredNodes.register(store, "n1");
            var before = datastore.list("");
            String config = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-ipam\"}";
            String id = "c".repeat(Names.MAX_TEXT);
            CniRequest add = CniRequest.parse(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", id, "CNI_NETNS", "/run/netns/x",
                    "CNI_IFNAME", "eth0", "CNI_PATH", "/nonexistent"), config.getBytes(StandardCharsets.UTF_8));

            CniError refused = assertThrows(CniError.class, () -> new JcalicoIpam(store, "n1").add(add));

            assertEquals(CniError.INVALID_ENVIRONMENT, refused.code());
            assertEquals("invalid environment: CNI_CONTAINERID '" + "c".repeat(80) + "... (944 more characters)' is not at most 1007 characters long"
                    + " (jcalico-ipam's address handle, with node n1 and network net1, takes 1024)", refused.getMessage());
            assertEquals(before, datastore.list(""), "nothing is written");
        }
    }
}
