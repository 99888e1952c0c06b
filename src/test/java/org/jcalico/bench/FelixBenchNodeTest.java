package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * `bench felix`'s node is a real node: its adds take addresses of its own blocks, whose unreachable routes the agent
 * programs (and the floor restores), and only the lent adds take addresses outside them. Until session 64 the snapshot
 * had no blocks and every add was a lent one (it paid for forgetting its address's connections, which a real node's add
 * does not).
 */
class FelixBenchNodeTest {
    /** 100 programmed and 40 adds fill 3 blocks of each family, the last part-full (64 addresses a block). */
    private final FelixBenchNode node = new FelixBenchNode(100, 40, 8, 100);

    @Test
    void everyProgrammedEndpointAndAddIsInTheNodesBlocksAndNoLentAddIs() {
        List<Cidr> blocks = routes().stream().filter(route -> route.type() == RouteSpec.Type.UNREACHABLE)
                .map(RouteSpec::destination).toList();
        assertEquals(6, blocks.size(), "3 /26 and 3 /122: " + blocks);
        for (int i = 0; i < 140; i++) {
            for (Cidr address : addresses(node.local(i))) {
                assertTrue(blocks.stream().anyMatch(block -> block.contains(address.network())), address + " in a block");
            }
        }
        for (int i = 0; i < 8; i++) {
            for (Cidr address : addresses(node.lentAdd(i))) {
                assertFalse(blocks.stream().anyMatch(block -> block.contains(address.network())), address + " lent");
            }
        }
        for (WorkloadEndpoint remote : node.programmed().subList(100, 200)) {
            for (Cidr address : addresses(remote)) {
                assertFalse(blocks.stream().anyMatch(block -> block.contains(address.network())),
                        "another node's endpoint " + address + " holds no address of this node's blocks");
            }
        }
    }

    @Test
    void everyEndpointHasAnAddressOfItsOwnAndTheAddsAnInterfaceOfTheirOwn() {
        List<WorkloadEndpoint> all = new ArrayList<>(node.programmed());
        for (int i = 100; i < 140; i++) {
            all.add(node.local(i));
        }
        for (int i = 0; i < 8; i++) {
            all.add(node.lentAdd(i));
        }
        Set<Cidr> addresses = new HashSet<>();
        all.forEach(endpoint -> addresses.addAll(addresses(endpoint)));
        assertEquals(2 * all.size(), addresses.size());
        Set<String> interfaces = new HashSet<>();
        all.stream().filter(endpoint -> endpoint.node().equals(FelixBenchNode.NODE))
                .forEach(endpoint -> interfaces.add(endpoint.interfaceName()));
        assertEquals(node.interfaces(), interfaces.size());
    }

    /** The routes calc wants for the programmed endpoints. */
    private Set<RouteSpec> routes() {
        return new HostStateCalculator().calculate(node.snapshot(FelixConfiguration.DEFAULTS, node.programmed())).routes();
    }

    private static List<Cidr> addresses(WorkloadEndpoint endpoint) {
        List<Cidr> addresses = new ArrayList<>(endpoint.nets(4));
        addresses.addAll(endpoint.nets(6));
        return addresses;
    }
}
