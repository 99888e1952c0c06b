package org.jcalico.ipam;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;

/**
 * No pool covers a node's own address. BIRD imports every route inside the pools from every peer (docs/architecture.md,
 * "What BGP may bring into the kernel"), so inside such a pool a peer could announce a host route for a node's address
 * and take the packets this host sends that node (its BGP sessions with it among them). Checked from both sides,
 * `pool add`/`apply` of a pool and a node's registration/`apply`, each guarded in its commit by the other kind's
 * listing (docs/ipam.md, "The invariants and their guards").
 */
public final class NodeAddressesOutsidePools {
    /** Why a pool over a node's address is refused, for the messages that name one. */
    public static final String WHY = "a BGP peer could announce a route for the node's address and take its packets";

    private NodeAddressesOutsidePools() {
    }

    /** Fails if the pool covers an address of one of the nodes. */
    public static void checkPool(IpPool pool, Collection<Node> nodes) {
        for (Node node : nodes) {
            covered(pool, node).ifPresent(address -> {
                throw ValidationException.field("cidr", pool.cidr(), "covers the address " + address + " of node '"
                        + node.name() + "': " + WHY + " (choose a pool that leaves the nodes' addresses out)");
            });
        }
    }

    /** Fails if an address of the node lies in one of the pools. */
    public static void checkNode(Node node, Collection<IpPool> pools) {
        for (IpPool pool : pools) {
            covered(pool, node).ifPresent(address -> {
                throw new ValidationException("node '" + node.name() + "': its address " + address + " lies in pool "
                        + pool.cidr() + ": " + WHY + " (give the node an address outside the pools, or change the pool)");
            });
        }
    }

    /** Each pool and node of the store that break the rule (a store written before it was checked), short, for the agent's status. */
    public static List<String> violations(Collection<IpPool> pools, Collection<Node> nodes) {
        List<String> found = new ArrayList<>();
        for (IpPool pool : pools) {
            for (Node node : nodes) {
                covered(pool, node).ifPresent(address -> found.add("pool " + pool.cidr() + " covers node '" + node.name()
                        + "' (" + address + ")"));
            }
        }
        return found;
    }

    private static Optional<IpAddress> covered(IpPool pool, Node node) {
        for (IpAddress address : new IpAddress[] {node.ipv4(), node.ipv6()}) {
            if (address != null && pool.cidr().contains(address)) {
                return Optional.of(address);
            }
        }
        return Optional.empty();
    }
}
