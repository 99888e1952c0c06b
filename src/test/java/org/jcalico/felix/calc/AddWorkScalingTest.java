package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.Renderer;
import org.jcalico.felix.render.iptables.IptablesRenderer;
import org.jcalico.felix.render.nftables.NftablesRenderer;
import org.jcalico.model.FelixConfiguration;
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

    @Test
    void anAddsAllocationDoesNotGrowWithTheLocalEndpoints() {
        assertIndependentOfSize(IptablesRenderer::new);
    }

    @Test
    void anNftablesAddsAllocationDoesNotGrowWithTheLocalEndpoints() {
        assertIndependentOfSize(NftablesRenderer::new);
    }

    private static void assertIndependentOfSize(Supplier<Renderer> renderer) {
        // the smaller first, so that the larger one runs with the JIT at least as warm
        long small = bytesPerAdd(200, renderer.get());
        long large = bytesPerAdd(2_000, renderer.get());
        System.out.println("an add's calc allocated " + small + " bytes at 200 local endpoints, " + large + " at 2,000");
        assertTrue(large < small * 2 + 64 * 1024, "an add allocated " + large + " bytes at 2,000 local endpoints against "
                + small + " at 200");
    }

    /** The median of the bytes one add's calculation allocated, with LOCAL endpoints already there. */
    private static long bytesPerAdd(int local, Renderer renderer) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<WorkloadEndpoint> endpoints = FelixBenchCluster.endpoints(local, REMOTE);
        HostStateCalculator calculator = new HostStateCalculator(renderer);
        calculator.calculate(snapshot(endpoints));
        long[] bytes = new long[ADDS];
        for (int i = 0; i < ADDS; i++) {
            endpoints.add(FelixBenchCluster.endpoint(FelixBenchCluster.NODE, local + i));
            Snapshot snapshot = snapshot(endpoints);
            long before = threads.getCurrentThreadAllocatedBytes();
            HostState state = calculator.calculate(snapshot);
            bytes[i] = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(2 * (local + i + 1), state.routes().size());
        }
        Arrays.sort(bytes);
        return bytes[ADDS / 2];
    }

    private static Snapshot snapshot(List<WorkloadEndpoint> endpoints) {
        return FelixBenchCluster.snapshot(endpoints, FelixConfiguration.DEFAULTS);
    }
}
