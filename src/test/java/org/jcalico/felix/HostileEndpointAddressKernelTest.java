package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Keys;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.dataplane.WorkloadHost;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Another node's endpoint record claiming every address (0.0.0.0/0, written by hand) opens nothing ("jct-ha-"
 * namespaces): w1 (app=db) takes in only role=web, w2 has no role; the record of h2's endpoint has role=web. Obeyed,
 * as until session 50, its net joined role=web's set and w2 (and everyone) reached w1. Now such a net is refused
 * as the record decodes: the record is unreadable, named in the status, and an Allow by selector only allows less.
 * Likewise a record claiming w2's address, or another host's (session 51: AddressClaims), below.
 */
@Tag("kernel")
class HostileEndpointAddressKernelTest {
    private static final String PREFIX = TestNamespaces.named("jct-ha-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));

    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aRemoteRecordClaimingEveryAddressOpensNothing(DataplaneDriver driver) {
        KernelTests.assumeKernel();
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            ClusterCache cache = cache(driver, List.of(hostile("10.70.0.9/32")));
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(WorkloadHost.blocked(w2, 1), "w2 has no role=web: w1 keeps it out");

            cache = cache(driver, List.of(hostile("0.0.0.0/0")));
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(WorkloadHost.blocked(w2, 1), "w2 reached w1 through h2's record claiming 0.0.0.0/0 (" + driver + ")");
            String problem = cache.unreadableProblem();
            assertNotNull(problem, "the record is named in the status");
            assertTrue(problem.contains(Keys.key(endpoint("h2", 9, "10.70.0.9/32", Map.of()))), problem);
            assertTrue(problem.contains("0.0.0.0/0") && problem.contains("overlaps"), problem);
        }
    }

    /**
     * h2's record claims w2's address with role=web (docs/policy.md, "Session 51 (t-claim)"): w2's packets, their source
     * proven by anti-spoofing, matched as h2's endpoint's and w2 reached w1 (the code before). Now the address is a
     * peer whose labels are unknown: in no set, the pair named in the status, and a real role=web peer elsewhere (h3's
     * endpoint, the namespace "peer" behind the host's uplink) still reaches w1.
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aRemoteRecordClaimingALocalEndpointsAddressOpensNothing(DataplaneDriver driver) {
        KernelTests.assumeKernel();
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            CommandRunner w2 = lab.workload(2);
            CommandRunner peer = uplinkPeer(lab);
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            WorkloadEndpoint web = endpoint("h3", 8, "10.70.0.8/32", Map.of("role", "web"));
            ClusterCache cache = cache(driver, List.of(decoded(web)));
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(WorkloadHost.blocked(w2, 1), "w2 has no role=web: w1 keeps it out");
            assertTrue(reaches(peer, "10.65.0.1"), "h3's role=web endpoint reaches w1");

            WorkloadEndpoint claim = endpoint("h2", 9, "10.65.0.2/32", Map.of("role", "web"));
            cache = cache(driver, List.of(decoded(web), decoded(claim)));
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(WorkloadHost.blocked(w2, 1), "w2 reached w1 through h2's record claiming w2's address (" + driver + ")");
            assertTrue(reaches(peer, "10.65.0.1"), "h3's role=web endpoint still reaches w1 (" + driver + ")");
            String problem = cache.claimProblem();
            assertNotNull(problem, "the pair is named in the status");
            assertTrue(problem.contains("10.65.0.2/32") && problem.contains(Keys.key(claim))
                    && problem.contains(Keys.key(endpoint("h1", 2, "10.65.0.2/32", Map.of()))), problem);
        }
    }

    /**
     * An endpoint record claiming a host's own address (a Node's): h3's host (the namespace "peer" behind the uplink)
     * has no role, and h2's record gives its address role=web. Forwarded packets from h3's host reached w1 as h2's
     * endpoint's (the code before); now the address is in no set and h3's host stays out.
     */
    @ParameterizedTest
    @EnumSource(DataplaneDriver.class)
    void aRecordClaimingAHostsAddressOpensNothing(DataplaneDriver driver) {
        KernelTests.assumeKernel();
        try (WorkloadHost lab = new WorkloadHost(PREFIX)) {
            lab.workload(1);
            lab.workload(2);
            CommandRunner peer = uplinkPeer(lab);
            Dataplane dataplane = new Dataplane(lab.host());
            assertTrue(dataplane.start().failures().isEmpty());
            List<ClusterCache.Decoded> nodes = List.of(decoded(new Node("h1", IpAddress.parse("10.70.0.254"), null, null)),
                    decoded(new Node("h3", IpAddress.parse("10.70.0.8"), null, null)));
            ClusterCache cache = cache(driver, nodes);
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(!reaches(peer, "10.65.0.1"), "h3's host has no role=web: w1 keeps it out");

            WorkloadEndpoint claim = endpoint("h2", 9, "10.70.0.8/32", Map.of("role", "web"));
            List<ClusterCache.Decoded> records = new ArrayList<>(nodes);
            records.add(decoded(claim));
            cache = cache(driver, records);
            assertEquals(Map.of(), dataplane.apply(new HostStateCalculator().calculate(cache.snapshot())).failures());
            assertTrue(!reaches(peer, "10.65.0.1"), "h3's host reached w1 through h2's record claiming its address ("
                    + driver + ")");
            String problem = cache.claimProblem();
            assertNotNull(problem, "the pair is named in the status");
            assertTrue(problem.contains("10.70.0.8/32") && problem.contains(Keys.key(claim)) && problem.contains("h3"),
                    problem);
        }
    }

    /**
     * A namespace behind the host's uplink up0 (10.70.0.254/24 on the host's side), with 10.70.0.8/24 and a route to
     * the workloads through the host: another host, or an endpoint of another host, as the fabric delivers it.
     */
    private static CommandRunner uplinkPeer(WorkloadHost lab) {
        CommandRunner peer = Namespaces.create(PREFIX + "peer");
        lab.host().run("ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", PREFIX + "peer").check();
        lab.host().run("ip", "addr", "add", "10.70.0.254/24", "dev", "up0").check();
        lab.host().run("ip", "link", "set", "up0", "up").check();
        peer.run("ip", "link", "set", "eth0", "up").check();
        peer.run("ip", "addr", "add", "10.70.0.8/24", "dev", "eth0").check();
        peer.run("ip", "route", "add", "10.65.0.0/24", "via", "10.70.0.254").check();
        return peer;
    }

    private static boolean reaches(CommandRunner from, String address) {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (from.run("busybox", "ping", "-4", "-c", "1", "-W", "1", address).ok()) {
                return true;
            }
        }
        return false;
    }

    /** What the agent's cache makes of the records for host h1 on DRIVER: w1, w2, w1's policy, and EXTRA. */
    private static ClusterCache cache(DataplaneDriver driver, List<ClusterCache.Decoded> extra) {
        List<ClusterCache.Decoded> records = new ArrayList<>(ListedRecords.of(List.of(OPEN,
                FelixConfiguration.DEFAULTS.withDataplaneDriver(driver), endpoint("h1", 1, "10.65.0.1/32",
                        Map.of("app", "db")), endpoint("h1", 2, "10.65.0.2/32", Map.of())), """
                kind: GlobalNetworkPolicy
                metadata: {name: db}
                spec:
                  selector: app == "db"
                  types: [Ingress]
                  ingress: [{action: Allow, source: {selector: role == "web"}}]
                """));
        records.addAll(extra);
        ClusterCache cache = new ClusterCache("h1");
        cache.replaceAll(records, new ArrayList<>());
        return cache;
    }

    private static ClusterCache.Decoded decoded(Resource resource) {
        return ClusterCache.decode(Keys.key(resource), ResourceCodec.toJson(resource));
    }

    /** h2's endpoint with role=web, its record as written by hand with NET as its address. */
    private static ClusterCache.Decoded hostile(String net) {
        WorkloadEndpoint decoy = endpoint("h2", 9, "10.70.0.9/32", Map.of("role", "web"));
        return ClusterCache.decode(Keys.key(decoy), ResourceCodec.toJson(decoy).replace("10.70.0.9/32", net));
    }

    private static WorkloadEndpoint endpoint(String node, int number, String net, Map<String, String> labels) {
        return new WorkloadEndpoint(node, null, "c" + number, "w" + number, "jcw" + number, null,
                List.of(Cidr.parse(net)), List.of(), List.of("open"), null, null, labels, null);
    }
}
