package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.DataplaneReport;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.CompilerThreads;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The first pass (StartSequence.firstPass, as the agent and the benches' workers run it) programs the host with this
 * JVM's optimizing compiler (C2) at nice 19 and its first-tier compiler (C1) at 0, and leaves both at the caller's
 * nice value (0) after it, as read from /proc while the calculation runs and after the pass. In a namespace of its
 * own ("jcua-fp-").
 */
@Tag("kernel")
class FirstPassPriorityKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcua-fp-");

    @Test
    void theOptimizingCompilerYieldsForTheFirstPassOnly() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
        try {
            programOnce(Namespaces.create(PREFIX + "host"));
        } finally {
            Namespaces.deleteAll(PREFIX);
        }
    }

    private static void programOnce(CommandRunner host) {
        host.run("ip", "link", "add", "jcA", "type", "veth", "peer", "name", "pjcA").check();
        WorkloadEndpoint endpoint = new WorkloadEndpoint("host", null, "c-a", "a", "jcA", null,
                List.of(Cidr.parse("10.65.0.1/32")), List.of(Cidr.parse("fd65::1/128")), List.of("web"), null, null,
                null, null, null);
        Snapshot snapshot = Snapshot.of("host", FelixConfiguration.DEFAULTS, List.of(endpoint),
                Map.of("web", Profile.securityGroup("web")));
        Dataplane dataplane = new Dataplane(host);
        assertTrue(dataplane.start().failures().isEmpty());
        assertEquals(Map.of("C1", Set.of(0), "C2", Set.of(0)), CompilerThreads.niceValues(), "before the pass");
        Map<String, Set<Integer>> during = new TreeMap<>();
        DataplaneReport report = StartSequence.firstPass(dataplane, snapshot, () -> {
            during.putAll(CompilerThreads.niceValues());
            return new HostStateCalculator().calculate(snapshot);
        });
        assertTrue(report.failures().isEmpty(), report.failures().toString());
        assertTrue(host.run("ip", "route", "show", "10.65.0.1").check().stdout().contains("jcA"),
                "the pass programmed the host");
        assertEquals(Map.of("C1", Set.of(0), "C2", Set.of(19)), during, "during the pass");
        assertEquals(Map.of("C1", Set.of(0), "C2", Set.of(0)), CompilerThreads.niceValues(), "after the pass");
    }
}
