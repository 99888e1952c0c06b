package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.bgp.RoutingIntent;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The local endpoints kept from pass to pass by what came and went must say what the same endpoints say taken from
 * nothing: their ids, interfaces, isolated ones, the routes that carry them (BIRD's, as BirdConfig works them out from
 * every endpoint), and so the decisions on waiting for BIRD made from them. Random sequences of endpoints coming,
 * going, changing (addresses, isolation, interface), and of the node's blocks.
 */
class LocalEndpointsTest {
    private static final List<Cidr> BLOCKS = List.of(Cidr.parse("10.65.0.0/26"), Cidr.parse("10.65.0.64/26"),
            Cidr.parse("fd65::/122"));

    @Test
    void keptByWhatChangedTheySayWhatTheSameEndpointsTakenFromNothingSay() {
        for (long seed = 1; seed <= 10; seed++) {
            Random random = new Random(seed);
            LocalEndpoints kept = new LocalEndpoints();
            AdvertisementWait keptWait = new AdvertisementWait();
            AdvertisementWait fromNothingWait = new AdvertisementWait();
            List<WorkloadEndpoint> endpoints = new ArrayList<>();
            List<Cidr> blocks = BLOCKS.subList(0, 1);
            for (int step = 0; step < 300; step++) {
                endpoints = changed(endpoints, random);
                if (random.nextInt(25) == 0) {
                    blocks = BLOCKS.subList(0, 1 + random.nextInt(BLOCKS.size()));
                }
                kept.update(endpoints, blocks);
                LocalEndpoints fromNothing = new LocalEndpoints();
                fromNothing.update(endpoints, blocks);
                String at = "seed " + seed + ", step " + step;
                assertEquals(describe(fromNothing), describe(kept), at);
                RoutingIntent intent = RoutingIntent.ofEndpoints("a", List.of(), List.of(), BgpConfiguration.DEFAULTS,
                        List.of(), blocks.stream().map(block -> new IpamBlock(block, "a", Map.of())).toList(), endpoints);
                RoutingIntent incremental = new RoutingIntent("a", List.of(), List.of(), BgpConfiguration.DEFAULTS,
                        List.of(), intent.localBlocks(), List.copyOf(kept.routes()), intent.lentRoutes());
                for (int version : List.of(4, 6)) {
                    assertEquals(BirdConfig.advertised(intent, version), BirdConfig.advertised(incremental, version), at);
                }
                // BIRD has exported some routes, a peer down has not learnt some; some endpoints failed
                Set<Cidr> advertised = kept.routes().stream().filter(route -> random.nextInt(4) != 0).collect(Collectors.toSet());
                Map<Cidr, List<String>> unlearnt = new HashMap<>();
                kept.routes().forEach(route -> {
                    if (random.nextInt(8) == 0) {
                        unlearnt.put(route, List.of("h2 (10.0.0.2), session mesh4_10_0_0_2: Active"));
                    }
                });
                Set<String> failed = endpoints.stream().map(WorkloadEndpoint::endpointId)
                        .filter(id -> random.nextInt(6) == 0).collect(Collectors.toSet());
                String stalled = random.nextInt(10) == 0 ? "BIRD: hung" : null;
                long now = step * 300_000_000L;
                // BIRD's sessions read at the decision, or one or two of the loop's wakes before it
                BgpReading reading = new BgpReading(advertised, unlearnt, stalled, now - random.nextInt(3) * 200_000_000L);
                assertEquals(fromNothingWait.decide(fromNothing, failed, reading, now),
                        keptWait.decide(kept, failed, reading, now), at);
            }
        }
    }

    private static String describe(LocalEndpoints local) {
        Map<String, Object> all = new TreeMap<>();
        all.put("ids", new TreeSet<>(local.ids()));
        all.put("size", local.size());
        all.put("isolated", local.isolated().stream().map(WorkloadEndpoint::endpointId).collect(Collectors.toCollection(TreeSet::new)));
        Map<String, Object> each = new TreeMap<>();
        for (WorkloadEndpoint endpoint : local.all()) {
            each.put(endpoint.endpointId(), List.of(local.carrying(endpoint), local.withId(endpoint.endpointId()).size(),
                    local.onInterface(endpoint.interfaceName()).stream().map(WorkloadEndpoint::endpointId).sorted().toList()));
        }
        all.put("each", each);
        Map<Cidr, Object> routes = new TreeMap<>();
        local.routes().forEach(route -> routes.put(route, local.carriedBy(route).stream().map(WorkloadEndpoint::endpointId)
                .collect(Collectors.toCollection(TreeSet::new))));
        all.put("routes", routes);
        return all.toString();
    }

    /**
     * A record that went and one that came naming the same interface, created at other times, is a link perhaps made
     * again (an add killed and undone by the next, which makes the veth again under its old name): the drivers must read
     * the kernel again, since the desired state is the same. A relabelled record (same creation time) is not one, nor
     * an endpoint that came alone.
     */
    @Test
    void aRecordWrittenAgainUnderTheSameInterfaceIsALinkPerhapsMadeAgain() {
        WorkloadEndpoint first = new WorkloadEndpoint("a", null, "c1", "e1", "jc1", null, List.of(Cidr.parse("10.65.0.2/32")),
                List.of(), List.of("p"), null, null, null, null).createdAt(1000);
        WorkloadEndpoint other = new WorkloadEndpoint("a", null, "c2", "e2", "jc2", null, List.of(Cidr.parse("10.65.0.3/32")),
                List.of(), List.of("p"), null, null, null, null).createdAt(1000);
        LocalEndpoints local = new LocalEndpoints();
        local.update(List.of(first), BLOCKS);
        assertEquals(Set.of(), local.relinked(), "a first record");
        local.update(List.of(first.withLabels(Map.of("app", "web")), other), BLOCKS);
        assertEquals(Set.of(), local.relinked(), "relabelled, and one that came alone");
        local.update(List.of(first.createdAt(1040), other), BLOCKS);
        assertEquals(Set.of("jc1"), local.relinked(), "written again");
        local.update(List.of(first.createdAt(1040), other), BLOCKS);
        assertEquals(Set.of(), local.relinked(), "nothing changed since");
    }

    /**
     * The endpoints (ids e0-e29) after a random change, kept as the agent's cache keeps them: a changed one in its place,
     * a removed one's place taken by the last, a new one at the end; now and then in another order altogether.
     */
    static List<WorkloadEndpoint> changed(List<WorkloadEndpoint> endpoints, Random random) {
        List<WorkloadEndpoint> next = new ArrayList<>(endpoints);
        for (int change = random.nextInt(4); change > 0; change--) {
            int index = random.nextInt(30);
            String id = "e" + index;
            int at = -1;
            for (int i = 0; i < next.size(); i++) {
                if (next.get(i).endpointId().equals(id)) {
                    at = i;
                }
            }
            // inside a block, or borrowed (outside every block); an interface now and then another's
            String v4 = random.nextBoolean() ? "10.65.0." + random.nextInt(128) : "10.66.0." + random.nextInt(8);
            List<Cidr> v6 = random.nextInt(3) == 0 ? List.of(Cidr.parse("fd65::" + Integer.toHexString(1 + random.nextInt(200)) + "/128"))
                    : List.of();
            WorkloadEndpoint endpoint = new WorkloadEndpoint("a", null, "c" + index, id,
                    "jc" + (random.nextInt(10) == 0 ? random.nextInt(30) : index), null, List.of(Cidr.parse(v4 + "/32")), v6,
                    List.of("p"), random.nextInt(5) == 0 ? "inactive" : null, null, null, null);
            if (at < 0) {
                next.add(endpoint);
            } else if (random.nextBoolean()) {
                next.set(at, endpoint);
            } else {
                next.set(at, next.getLast());
                next.removeLast();
            }
        }
        if (random.nextInt(20) == 0) {
            java.util.Collections.shuffle(next, random);
        }
        return List.copyOf(next);
    }
}
