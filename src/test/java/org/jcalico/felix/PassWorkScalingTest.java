package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.log.Log;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14: what the agent's loop does for a pass besides calc and the drivers (the link guard, the local endpoints
 * kept, BIRD's routes, the wait for them, the status report) does not grow with the local endpoints already there.
 * Counted as the bytes the thread allocates for one add (the JVM counts them per thread; a loaded machine does not
 * change them), the least of ROUNDS adds, at 200 and at 2,000 local endpoints: each of those walked every local
 * endpoint at every pass until session 54, and the agent's loop allocated 2.7-3.1 MB an add at 1,000 local endpoints
 * against 0.4-0.5 MB since (docs/agent.md, "Session 54 (p-pass)"). Since then 17 KB at 200 and 21 KB at 2,000; the
 * status report walking every endpoint's id again (tried) allocates 27 KB and 118 KB.
 */
class PassWorkScalingTest {
    private static final int ROUNDS = 30;

    @Test
    void aPassesBookkeepingDoesNotGrowWithTheLocalEndpoints(@TempDir Path dir) throws Exception {
        long small = allocatedPerAdd(200, dir.resolve("small"));
        long large = allocatedPerAdd(2_000, dir.resolve("large"));
        System.out.println("an add's pass bookkeeping allocated " + small + " bytes at 200 local endpoints, " + large + " at 2,000");
        // the blocks' routes (32 at 2,000 against 4) are what may grow; a walk of ids alone (50 bytes an
        // endpoint) fails it
        assertTrue(large <= small + small / 2 + 16 * 1024, "an add at 2,000 local endpoints allocated " + large
                + " bytes, at 200 " + small + ": the pass walks every local endpoint");
    }

    /** The least a pass's bookkeeping allocated for one endpoint added to LOCAL others, over ROUNDS adds. */
    private static long allocatedPerAdd(int local, Path dir) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        java.nio.file.Files.createDirectories(dir);
        List<Cidr> blocks = new ArrayList<>();
        for (int block = 0; block * 64 < local + ROUNDS; block++) {
            blocks.add(Cidr.parse("10.96." + block / 4 + "." + block % 4 * 64 + "/26"));
        }
        // each endpoint's address allocated in its block, as IPAM does: an add makes one block a new record
        List<IpamBlock> ipamBlocks = new ArrayList<>(blocks.stream().map(block -> new IpamBlock(block, "n1", Map.of())).toList());
        for (int i = 0; i < local; i++) {
            allocate(ipamBlocks, i);
        }
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            StatusReporter reporter = new StatusReporter(new ResourceStore(datastore), "n1");
            reporter.load();
            EndpointLinkGuard guard = new EndpointLinkGuard(Set::of, Log.open(dir.resolve("agent.log"), false, "info"));
            LocalEndpoints kept = new LocalEndpoints();
            AdvertisementWait wait = new AdvertisementWait();
            List<WorkloadEndpoint> endpoints = new ArrayList<>();
            for (int i = 0; i < local; i++) {
                endpoints.add(endpoint(i));
            }
            // the agent's cache, for the lent addresses (ClusterCache.lentRoutes): fed as the watch feeds it, outside
            // what is counted; its records' own decoding is the same for every add
            ClusterCache cache = ClusterCache.ofAgent("n1");
            List<ClusterCache.Decoded> listed = new ArrayList<>();
            endpoints.forEach(endpoint -> listed.add(decoded(endpoint)));
            ipamBlocks.forEach(block -> listed.add(decoded(block)));
            cache.replaceAll(listed, new ArrayList<>());
            pass(List.copyOf(endpoints), blocks, List.copyOf(ipamBlocks), guard, kept, cache, wait, reporter);
            long least = Long.MAX_VALUE;
            for (int i = 0; i < ROUNDS; i++) {
                endpoints.add(endpoint(local + i));
                allocate(ipamBlocks, local + i);
                List<WorkloadEndpoint> now = List.copyOf(endpoints);
                List<IpamBlock> nowBlocks = List.copyOf(ipamBlocks);
                cache.apply(List.of(event(ipamBlocks.get((local + i) / 64)), event(endpoints.getLast())), new ArrayList<>());
                long before = threads.getCurrentThreadAllocatedBytes();
                pass(now, blocks, nowBlocks, guard, kept, cache, wait, reporter);
                least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
            }
            return least;
        }
    }

    /** What Agent.program does around calc and the drivers for these local endpoints, BIRD having every route. */
    private static void pass(List<WorkloadEndpoint> endpoints, List<Cidr> blocks, List<IpamBlock> ipamBlocks,
                             EndpointLinkGuard guard, LocalEndpoints kept, ClusterCache cache, AdvertisementWait wait,
                             StatusReporter reporter) {
        Snapshot snapshot = guard.apply(new Snapshot("n1", FelixConfiguration.DEFAULTS, endpoints, Map.of(), List.of(),
                ipamBlocks, List.of(), List.of(), BgpConfiguration.DEFAULTS, List.of(), List.of(), List.of(), Map.of(),
                endpoints), false);
        kept.update(snapshot.localEndpoints(), blocks);
        BirdConfig.advertised(BgpSpeaker.intentOf(snapshot, kept.routes(), cache.lentRoutes()), 4);
        AdvertisementWait.Decision decision = wait.decide(kept, Set.of(), new BgpReading(Set.copyOf(blocks), Map.of(), null, 0), 0);
        reporter.report(kept, Map.of(), decision.notes(), decision.withheld());
    }

    private static ClusterCache.Decoded decoded(org.jcalico.model.Resource resource) {
        return ClusterCache.decode(org.jcalico.datastore.Keys.key(resource), org.jcalico.model.ResourceCodec.toJson(resource));
    }

    private static org.jcalico.datastore.WatchEvent event(org.jcalico.model.Resource resource) {
        return new org.jcalico.datastore.WatchEvent(org.jcalico.datastore.WatchEvent.Type.PUT,
                org.jcalico.datastore.Keys.key(resource), org.jcalico.model.ResourceCodec.toJson(resource), 1);
    }

    /** Endpoint INDEX's address allocated in its block (the block of 64 it falls in). */
    private static void allocate(List<IpamBlock> blocks, int index) {
        IpamBlock block = blocks.get(index / 64);
        blocks.set(index / 64, block.withAllocation(endpoint(index).ipv4Nets().getFirst().network(), "e" + index));
    }

    private static WorkloadEndpoint endpoint(int index) {
        return new WorkloadEndpoint("n1", null, "c" + index, "e" + index, "jc" + index, null,
                List.of(Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)))), List.of(), List.of("p"),
                null, null, null, null);
    }
}
