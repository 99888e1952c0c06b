package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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
    /**
     * Each process's allocations: both begin at once, so every one of them races the other's (600 and, through etcd,
     * 1,000 until session 51, when each began as soon as its JVM had started, seconds apart on a loaded machine).
     */
    private static final int EACH = 200;

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
            allocateFromTwoProcesses(etcd.url(), "h1", "h2", EACH);
        }
    }

    private static void allocateFromTwoProcesses(String url, String firstNode, String secondNode, int each) throws Exception {
        try (Datastore store = Datastores.open(url)) {
            new Pools(new ResourceStore(store)).add(new IpPool(Cidr.parse("10.65.0.0/20"), false, null, false));
            org.jcalico.testing.RegisteredNodes.register(new ResourceStore(store), "h1", "h2");
        }
        List<Process> processes = List.of(
                JavaProcess.start(ConcurrentAllocatorMain.class, url, firstNode, String.valueOf(each), "a"),
                JavaProcess.start(ConcurrentAllocatorMain.class, url, secondNode, String.valueOf(each), "b"));
        List<BufferedReader> outputs = new ArrayList<>();
        for (Process process : processes) {
            outputs.add(new BufferedReader(new InputStreamReader(process.getInputStream())));
            assertEquals("ready", outputs.getLast().readLine(), "the allocator has its store open");
        }
        // both begin at once, whatever their JVMs' start-up took: the count need only cover the race, not the
        // start-ups' difference (up to seconds on a loaded machine), which a JVM started first spent allocating alone
        long start = System.nanoTime();
        for (Process process : processes) {
            process.getOutputStream().write('\n');
            process.getOutputStream().close();
        }
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            outputs.get(i).lines().forEach(addresses::add);
            assertEquals(0, processes.get(i).waitFor());
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
