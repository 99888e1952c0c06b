package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** Two processes allocating from one pool at the same time never hand out the same address. */
class ConcurrentAllocationTest {
    private static final int EACH = 600;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "nodes {0} and {1}")
    @CsvSource({"h1, h2", "h1, h1"})
    void noAddressIsHandedOutTwice(String firstNode, String secondNode) throws Exception {
        Path file = dir.resolve("ipam.db");
        try (EmbeddedDatastore store = EmbeddedDatastore.open(file)) {
            new Pools(new ResourceStore(store)).add(new IpPool(Cidr.parse("10.65.0.0/20"), false, null, false));
        }
        long start = System.nanoTime();
        Process first = JavaProcess.start(ConcurrentAllocatorMain.class, file.toString(), firstNode, String.valueOf(EACH), "a");
        Process second = JavaProcess.start(ConcurrentAllocatorMain.class, file.toString(), secondNode, String.valueOf(EACH), "b");
        List<String> addresses = new ArrayList<>();
        for (Process process : List.of(first, second)) {
            addresses.addAll(new String(process.getInputStream().readAllBytes()).lines().toList());
            assertEquals(0, process.waitFor());
        }
        System.out.printf("%d allocations from 2 processes (%s, %s) took %.1f s%n", addresses.size(), firstNode, secondNode,
                (System.nanoTime() - start) / 1e9);
        assertEquals(2 * EACH, addresses.size());
        assertEquals(2 * EACH, new HashSet<>(addresses).size(), "an address was handed out twice");
        try (EmbeddedDatastore store = EmbeddedDatastore.open(file)) {
            Set<String> recorded = new HashSet<>();
            for (Versioned<IpamBlock> block : new ResourceStore(store).list(IpamBlock.class)) {
                block.resource().allocations().keySet().forEach(offset ->
                        recorded.add(block.resource().cidr().addressAt(java.math.BigInteger.valueOf(offset)).toString()));
            }
            assertEquals(new HashSet<>(addresses), recorded, "the blocks record exactly the addresses handed out");
        }
    }
}
