package org.jcalico.testing;

import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.nodes.NodeService;

/**
 * Nodes registered as their agents register them, for tests whose IPAM claims blocks for them: a block is claimed
 * only for a registered node (docs/ipam.md, session 42).
 */
public final class RegisteredNodes {
    private RegisteredNodes() {
    }

    /** Registers each name with an address of 198.18.0.0/15 no node of the store has yet. */
    public static void register(ResourceStore store, String... names) {
        NodeService nodes = new NodeService(store);
        int taken = store.list(Node.class).size();
        for (int i = 0; i < names.length; i++) {
            int index = taken + i + 1;
            nodes.register(names[i], IpAddress.parse("198.18." + index / 256 + "." + index % 256), null, null);
        }
    }
}
