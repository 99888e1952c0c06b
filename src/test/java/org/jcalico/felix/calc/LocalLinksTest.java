package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The kept routes and interfaces equal those made from every endpoint and block after each change, told only the
 * endpoints that came and went while the blocks stay: endpoints coming and going anywhere in the list, two endpoints with one interface and address (a broken store), blocks changing.
 */
class LocalLinksTest {
    @Test
    void theKeptSetsAreThoseMadeFromNothing() {
        Random random = new Random(14);
        LocalLinks links = new LocalLinks();
        List<LocalEndpoint> local = new ArrayList<>();
        List<IpamBlock> blocks = List.of(block("10.65.0.0/26"));
        List<LocalEndpoint> before = List.of();
        for (int step = 0; step < 400; step++) {
            int kind = random.nextInt(10);
            if (kind < 6 || local.isEmpty()) {
                int index = random.nextInt(300);
                local.add(random.nextInt(local.size() + 1), LocalEndpoint.of(endpoint(index)));
            } else if (kind < 9) {
                local.remove(random.nextInt(local.size()));
            } else {
                blocks = random.nextBoolean() ? List.of(block("10.65.0.0/26"))
                        : List.of(block("10.65.0.0/26"), block("10.65.0." + 64 * (1 + random.nextInt(3)) + "/26"));
            }
            List<LocalEndpoint> now = List.copyOf(local);
            if (links.sameBlocks(blocks)) {
                List<LocalEndpoint> added = new ArrayList<>();
                List<LocalEndpoint> gone = new ArrayList<>();
                ListChanges.compare(before, now, added, gone);
                links.update(null, added, gone, blocks);
            } else {
                links.update(now, List.of(), List.of(), blocks);
            }
            before = now;
            Set<RouteSpec> routes = new HashSet<>();
            Set<EndpointInterface> interfaces = new HashSet<>();
            now.forEach(endpoint -> {
                routes.addAll(endpoint.routes());
                interfaces.add(endpoint.link());
            });
            blocks.forEach(block -> routes.add(new RouteSpec(block.cidr(), RouteSpec.Type.UNREACHABLE, null)));
            assertEquals(routes, links.routes(), "step " + step);
            assertEquals(interfaces, links.interfaces(), "step " + step);
        }
    }

    private static IpamBlock block(String cidr) {
        return new IpamBlock(Cidr.parse(cidr), "host", Map.of());
    }

    /** Endpoints of the same index share an interface and addresses, as a broken store's may. */
    private static WorkloadEndpoint endpoint(int index) {
        return new WorkloadEndpoint("host", null, "c" + index, "e" + index + "-" + System.nanoTime(),
                "jc" + Integer.toHexString(index), null,
                List.of(Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)))),
                index % 3 == 0 ? List.of() : List.of(Cidr.host(Cidr.parse("fd96::/64").addressAt(BigInteger.valueOf(index)))),
                List.of(), null, null, null, null, null);
    }
}
