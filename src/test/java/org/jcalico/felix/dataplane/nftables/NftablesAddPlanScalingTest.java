package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.dataplane.nftables.NftablesPlanner.Tables;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.render.nftables.NftablesRenderer;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.FelixBenchCluster;
import org.junit.jupiter.api.Test;

/**
 * Issue #14: the nftables planner's transaction for one local endpoint added does not grow with the endpoints already
 * programmed, counted as AddWorkScalingTest counts calc's (the bytes the planning thread allocates, median of 30 adds,
 * at 200 and at 2,000 local endpoints). Until session 38 the planner read each dispatch map out of its rule's text,
 * which named every endpoint, and copied the map to change it by the elements it found (docs/dataplane.md, "One
 * endpoint added to 1,000, session 38"). Since session 59 the add makes no chain and no rule: element-only.
 */
class NftablesAddPlanScalingTest {
    private static final int ADDS = 30;

    @Test
    void anAddsPlanDoesNotGrowWithTheEndpointsProgrammed() {
        long small = bytesPerPlan(200);
        long large = bytesPerPlan(2_000);
        System.out.println("an add's nftables plan allocated " + small + " bytes at 200 local endpoints, " + large
                + " at 2,000");
        assertTrue(large < small * 2 + 64 * 1024, "an add's plan allocated " + large + " bytes at 2,000 local endpoints"
                + " against " + small + " at 200");
    }

    private static long bytesPerPlan(int local) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<WorkloadEndpoint> endpoints = FelixBenchCluster.endpoints(local, 2_000);
        HostStateCalculator calculator = new HostStateCalculator(new NftablesRenderer());
        Tables held = tables(calculator.calculate(FelixBenchCluster.snapshot(endpoints, FelixConfiguration.DEFAULTS)));
        long[] bytes = new long[ADDS];
        for (int i = 0; i < ADDS; i++) {
            endpoints.add(FelixBenchCluster.endpoint(FelixBenchCluster.NODE, local + i));
            Tables desired = tables(calculator.calculate(FelixBenchCluster.snapshot(endpoints, FelixConfiguration.DEFAULTS)));
            long before = threads.getCurrentThreadAllocatedBytes();
            NftablesPlanner.Plan plan = NftablesPlanner.delta(held, desired, java.util.Map.of());
            bytes[i] = threads.getCurrentThreadAllocatedBytes() - before;
            // no chain and no rule: the new endpoint's dispatch elements go straight to its shared chains, whose
            // rules were in before, so they are in the first transaction (session 59; until then the endpoint's two
            // chains came first and its elements went in the later transaction)
            String all = plan.hold() + plan.script() + plan.later() + plan.release();
            assertTrue(!all.contains("add chain") && !all.contains("add rule"), all);
            assertTrue(plan.script().contains("add element ip jcalico jc-from-wl-dispatch-iifname-ip-saddr")
                    && plan.script().contains(": goto jc-so-") && plan.script().contains(": goto jc-si-"), plan.script());
            held = desired;
        }
        Arrays.sort(bytes);
        return bytes[ADDS / 2];
    }

    private static Tables tables(HostState state) {
        return new Tables(state.ipv4(), state.ipv6(), state.ipSets());
    }
}
