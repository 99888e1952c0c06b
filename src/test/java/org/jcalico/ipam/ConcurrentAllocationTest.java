package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.testing.EtcdFixture;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/** Two processes allocating from one pool at the same time never hand out the same address, on either backend. */
class ConcurrentAllocationTest {
    private static final int EACH = 600;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "nodes {0} and {1}")
    @CsvSource({"h1, h2", "h1, h1"})
    void noAddressIsHandedOutTwice(String firstNode, String secondNode) throws Exception {
        allocateFromTwoProcesses("embedded:" + dir.resolve("ipam.db"), firstNode, secondNode, EACH);
    }

    @Test
    void noAddressIsHandedOutTwiceThroughEtcd() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            allocateFromTwoProcesses(etcd.url(), "h1", "h2", 1000);
        }
    }

    private static void allocateFromTwoProcesses(String url, String firstNode, String secondNode, int each) throws Exception {
        try (Datastore store = Datastores.open(url)) {
            new Pools(new ResourceStore(store)).add(new IpPool(Cidr.parse("10.65.0.0/20"), false, null, false));
            org.jcalico.testing.RegisteredNodes.register(new ResourceStore(store), "h1", "h2");
        }
        long start = System.nanoTime();
        Process first = JavaProcess.start(ConcurrentAllocatorMain.class, url, firstNode, String.valueOf(each), "a");
        Process second = JavaProcess.start(ConcurrentAllocatorMain.class, url, secondNode, String.valueOf(each), "b");
        List<String> addresses = new ArrayList<>();
        for (Process process : List.of(first, second)) {
            addresses.addAll(new String(process.getInputStream().readAllBytes()).lines().toList());
            assertEquals(0, process.waitFor());
        }
        System.out.printf("%d allocations from 2 processes (%s, %s) on %s took %.1f s%n", addresses.size(), firstNode,
                secondNode, url, (System.nanoTime() - start) / 1e9);
        assertEquals(2 * each, addresses.size());
        assertEquals(2 * each, new HashSet<>(addresses).size(), "an address was handed out twice");
        try (Datastore store = Datastores.open(url)) {
            Set<String> recorded = new HashSet<>();
            for (Versioned<IpamBlock> block : new ResourceStore(store).list(IpamBlock.class)) {
                block.resource().allocations().keySet().forEach(offset ->
                        recorded.add(block.resource().cidr().addressAt(java.math.BigInteger.valueOf(offset)).toString()));
            }
            assertEquals(new HashSet<>(addresses), recorded, "the blocks record exactly the addresses handed out");
        }
    }
}
