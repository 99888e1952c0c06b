package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.Renderer;
import org.jcalico.felix.render.iptables.IptablesRenderer;
import org.jcalico.felix.render.nftables.NftablesRenderer;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.FelixBenchCluster;
import org.junit.jupiter.api.Test;

/**
 * Issue #14: calc's work for one local endpoint added does not grow with the number of local endpoints already there
 * (`bench felix`'s shape: each endpoint in a tag of a profile, remote endpoints beside). The work is counted, not timed:
 * as the bytes the calculating thread allocates for the add (the JVM counts them per thread), which a walk that copies
 * or rebuilds what every local endpoint makes (a map of every chain, a set of every route, a list of every endpoint's
 * concerns) raises in proportion, and which a loaded machine does not change. Before session 36 an add at 2,000 local
 * endpoints allocated six times what one at 200 did (2.7 MB against 0.45 MB). On nftables it grew until session 38:
 * each dispatch tree's verdict map was rendered as one rule naming every interface, made again when an interface came
 * (docs/dataplane.md, "One endpoint added to 1,000, session 38").
 */
class AddWorkScalingTest {
    private static final int REMOTE = 2_000;
    private static final int ADDS = 30;
    private static final int ROUNDS = 20;

    @Test
    void anAddsAllocationDoesNotGrowWithTheLocalEndpoints() {
        assertIndependentOfSize(IptablesRenderer::new);
    }

    @Test
    void anNftablesAddsAllocationDoesNotGrowWithTheLocalEndpoints() {
        assertIndependentOfSize(NftablesRenderer::new);
    }

    /**
     * Issue #14: on nftables, an endpoint whose interface opens a new leaf of the dispatch trees (`bench felix`'s add #18
     * of 40 at 1,000 endpoints, calc 3-5 times an add's CPU: docs/dataplane.md, session 41) changes the trees' verdict
     * maps by its own elements, as one into an existing leaf does, not by collecting each tree's thousand elements
     * again; its going likewise. Counted as the bytes the calculation allocates, the least of ROUNDS each.
     */
    @Test
    void anNftablesAddOpeningALeafAllocatesAsOneIntoALeaf() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int local = 1_000;
        List<WorkloadEndpoint> endpoints = FelixBenchCluster.endpoints(local, REMOTE);
        Set<String> leaves = endpoints.stream().filter(e -> e.node().equals(FelixBenchCluster.NODE))
                .map(e -> leaf(e.interfaceName())).collect(Collectors.toSet());
        List<WorkloadEndpoint> more = IntStream.range(local, local + 100)
                .mapToObj(i -> FelixBenchCluster.endpoint(FelixBenchCluster.NODE, i)).toList();
        WorkloadEndpoint intoALeaf = more.stream().filter(e -> leaves.contains(leaf(e.interfaceName()))).findFirst().orElseThrow();
        WorkloadEndpoint openingALeaf = more.stream().filter(e -> !leaves.contains(leaf(e.interfaceName()))).findFirst().orElseThrow();
        HostStateCalculator calculator = new HostStateCalculator(new NftablesRenderer());
        calculator.calculate(snapshot(endpoints));
        long[] least = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
        for (int round = 0; round < ROUNDS; round++) {
            int slot = 0;
            for (WorkloadEndpoint endpoint : List.of(intoALeaf, openingALeaf)) {
                endpoints.add(endpoint);
                long before = threads.getCurrentThreadAllocatedBytes();
                HostState added = calculator.calculate(snapshot(endpoints));
                least[slot] = Math.min(least[slot++], threads.getCurrentThreadAllocatedBytes() - before);
                endpoints.remove(endpoint);
                before = threads.getCurrentThreadAllocatedBytes();
                HostState removed = calculator.calculate(snapshot(endpoints));
                least[slot] = Math.min(least[slot++], threads.getCurrentThreadAllocatedBytes() - before);
                assertEquals(2 * (local + 1), added.routes().size());
                assertEquals(2 * local, removed.routes().size());
            }
        }
        System.out.println("on nftables at " + local + " local endpoints, an add into a leaf allocated " + least[0]
                + " bytes and its remove " + least[1] + "; an add opening a leaf " + least[2] + " and its remove " + least[3]);
        assertTrue(least[2] < least[0] * 3 / 2 + 16 * 1024, "an add opening a leaf allocated " + least[2] + " bytes against "
                + least[0] + " for one into a leaf");
        assertTrue(least[3] < least[1] * 3 / 2 + 16 * 1024, "a remove closing a leaf allocated " + least[3] + " bytes against "
                + least[1] + " for one from a leaf of others");
    }

    /**
     * Issue #14: an add through IPAM also changes the node's block (the new address's allocation), and calc rebuilt the
     * routes and interfaces of every local endpoint whenever the block's record changed, though only the blocks' CIDRs
     * (their unreachable routes) come from them. Counted as above, with the block's allocations following the endpoints.
     */
    @Test
    void anAddThatAllocatesInTheNodesBlockDoesNotGrowWithTheLocalEndpoints() {
        long small = bytesPerAdd(200, new IptablesRenderer(), true);
        long large = bytesPerAdd(2_000, new IptablesRenderer(), true);
        System.out.println("an add allocating in its block: calc allocated " + small + " bytes at 200 local endpoints, "
                + large + " at 2,000");
        assertTrue(large < small * 2 + 64 * 1024, "an add allocating in its block allocated " + large + " bytes at 2,000"
                + " local endpoints against " + small + " at 200");
    }

    /** The dispatch trees' leaf key of an interface: the two characters after the prefix. */
    private static String leaf(String iface) {
        return iface.substring(2, 4);
    }

    private static void assertIndependentOfSize(Supplier<Renderer> renderer) {
        // the smaller first, so that the larger one runs with the JIT at least as warm
        long small = bytesPerAdd(200, renderer.get(), false);
        long large = bytesPerAdd(2_000, renderer.get(), false);
        System.out.println("an add's calc allocated " + small + " bytes at 200 local endpoints, " + large + " at 2,000");
        assertTrue(large < small * 2 + 64 * 1024, "an add allocated " + large + " bytes at 2,000 local endpoints against "
                + small + " at 200");
    }

    /**
     * The median of the bytes one add's calculation allocated, with LOCAL endpoints already there; with BLOCK, the
     * node's IPAM block holds an allocation for each local endpoint's IPv4 address, as after `container add`.
     */
    private static long bytesPerAdd(int local, Renderer renderer, boolean block) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<WorkloadEndpoint> endpoints = FelixBenchCluster.endpoints(local, REMOTE);
        HostStateCalculator calculator = new HostStateCalculator(renderer);
        calculator.calculate(block ? withBlock(snapshot(endpoints), local) : snapshot(endpoints));
        long[] bytes = new long[ADDS];
        for (int i = 0; i < ADDS; i++) {
            endpoints.add(FelixBenchCluster.endpoint(FelixBenchCluster.NODE, local + i));
            Snapshot snapshot = block ? withBlock(snapshot(endpoints), local + i + 1) : snapshot(endpoints);
            long before = threads.getCurrentThreadAllocatedBytes();
            HostState state = calculator.calculate(snapshot);
            bytes[i] = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(2 * (local + i + 1) + (block ? 1 : 0), state.routes().size(), "each endpoint's two routes and the block's");
        }
        Arrays.sort(bytes);
        return bytes[ADDS / 2];
    }

    /** SNAPSHOT with the node's block of FelixBenchCluster's addresses, its first ALLOCATED offsets allocated. */
    private static Snapshot withBlock(Snapshot snapshot, int allocated) {
        java.util.Map<Integer, String> allocations = new java.util.HashMap<>();
        IntStream.range(0, allocated).forEach(offset -> allocations.put(offset, "handle-" + offset));
        IpamBlock block = new IpamBlock(Cidr.parse("10.96.0.0/20"), FelixBenchCluster.NODE, allocations);
        return new Snapshot(snapshot.node(), snapshot.config(), snapshot.endpoints(), snapshot.profiles(), snapshot.pools(),
                List.of(block), snapshot.nodes(), snapshot.peers(), snapshot.bgp(), snapshot.tiers(), snapshot.policies(),
                snapshot.networkSets(), snapshot.namespaces(), snapshot.localEndpoints());
    }

    private static Snapshot snapshot(List<WorkloadEndpoint> endpoints) {
        return FelixBenchCluster.snapshot(endpoints, FelixConfiguration.DEFAULTS);
    }
}
