package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.log.Log;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which local endpoints the agent leaves out (the kernel's side, which links hold an address, is
 * {@code HostileRecordsIT}'s: here the links' answer is given), and that the kernel is asked only when a local
 * endpoint's link is new since the last full pass.
 */
class EndpointLinkGuardTest {
    @Test
    void endpointsOnTheHostsOwnLinksOrWiderThanAnAddressAreLeftOut(@TempDir Path dir) {
        AtomicInteger asked = new AtomicInteger();
        EndpointLinkGuard guard = new EndpointLinkGuard(() -> {
            asked.incrementAndGet();
            return Set.of("eth0", "lo");
        }, Log.open(dir.resolve("agent.log"), false, "info"));
        WorkloadEndpoint good = endpoint("good", "jcgood", "10.0.0.1/32");
        Snapshot snapshot = snapshot(List.of(good, endpoint("uplink", "eth0", "10.0.0.2/32"),
                endpoint("wide", "jcgood", "32.0.0.0/3")));

        Snapshot guarded = guard.apply(snapshot, true);
        assertEquals(List.of(good), guarded.localEndpoints());
        assertEquals(List.of(good), guarded.endpoints(), "their addresses in no set either");
        assertTrue(guard.problem().contains("endpoint uplink names interface 'eth0', which holds an address of this host")
                && guard.problem().contains("endpoint wide claims 32.0.0.0/3, not single addresses"), guard.problem());
        assertEquals(1, asked.get());

        Snapshot clean = snapshot(List.of(good));
        assertEquals(clean, guard.apply(clean, false));
        assertNull(guard.problem());
        assertEquals(1, asked.get(), "jcgood was seen without an address: not asked again");
        guard.apply(clean, true);
        assertEquals(2, asked.get(), "a full pass asks again");
    }

    /**
     * Between full passes only what came is looked at, and what was refused for its link: an endpoint refused for its
     * addresses stays refused without a question to the kernel, one refused for its link is asked of again at each pass
     * (the link may lose its address), and a refusal goes with its endpoint.
     */
    @Test
    void betweenFullPassesWhatCameAndWhatIsRefusedForItsLinkAreLookedAt(@TempDir Path dir) {
        AtomicInteger asked = new AtomicInteger();
        Set<String> addressed = new java.util.HashSet<>(Set.of("eth0"));
        EndpointLinkGuard guard = new EndpointLinkGuard(() -> {
            asked.incrementAndGet();
            return Set.copyOf(addressed);
        }, Log.open(dir.resolve("agent.log"), false, "info"));
        WorkloadEndpoint good = endpoint("good", "jcgood", "10.0.0.1/32");
        WorkloadEndpoint wide = endpoint("wide", "jcwide", "32.0.0.0/3");
        guard.apply(snapshot(List.of(good)), true);
        assertEquals(1, asked.get());

        assertEquals(List.of(good), guard.apply(snapshot(List.of(good, wide)), false).localEndpoints());
        assertEquals(2, asked.get(), "jcwide is new");
        assertEquals(List.of(good), guard.apply(snapshot(List.of(good, wide)), false).localEndpoints());
        assertEquals(2, asked.get(), "a refusal for its addresses needs no question");

        WorkloadEndpoint uplink = endpoint("uplink", "eth0", "10.0.0.2/32");
        assertEquals(List.of(good), guard.apply(snapshot(List.of(good, wide, uplink)), false).localEndpoints());
        assertEquals(3, asked.get());
        assertTrue(guard.problem().contains("endpoint uplink names interface 'eth0'"), guard.problem());
        guard.apply(snapshot(List.of(good, wide, uplink)), false);
        assertEquals(4, asked.get(), "a refusal for its link is asked of again");
        addressed.clear();
        assertEquals(List.of(good, uplink), guard.apply(snapshot(List.of(good, wide, uplink)), false).localEndpoints(),
                "its link lost its address");
        assertTrue(guard.problem().startsWith("endpoint wide claims") && !guard.problem().contains("uplink"), guard.problem());

        assertEquals(List.of(good, uplink), guard.apply(snapshot(List.of(good, uplink)), false).localEndpoints());
        assertNull(guard.problem(), "the refusal went with its endpoint");
        assertEquals(5, asked.get(), "eth0 was seen without an address: not asked again");
    }

    private static WorkloadEndpoint endpoint(String id, String link, String net) {
        return new WorkloadEndpoint("h1", null, "c-" + id, id, link, null, List.of(Cidr.parse(net)), List.of(),
                List.of("open"), null, null, null, null);
    }

    private static Snapshot snapshot(List<WorkloadEndpoint> endpoints) {
        return Snapshot.of("h1", FelixConfiguration.DEFAULTS, endpoints, Map.of());
    }
}
