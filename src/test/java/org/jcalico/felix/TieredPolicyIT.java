package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.lab.Probe;
import org.jcalico.lab.WorkloadWebServer;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tiers, policies and profiles with real traffic ("jctk" lab, one host, the real agent): three workloads whose
 * profiles allow everything and give them labels (app=frontend, backend, legacy); a platform tier whose
 * GlobalNetworkPolicy denies legacy's traffic to everyone and passes the rest; a NetworkPolicy in the default tier
 * that lets only the frontend reach the backend on port 80 (everything else to the backend meets the default tier's
 * end-of-tier drop); traffic that the platform tier passes and no later tier governs falls to the profiles.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieredPolicyIT {
    private static final String H1 = "h1";
    private static final Map<String, String> APP = new LinkedHashMap<>();
    private static final Map<String, WorkloadEndpoint> ENDPOINTS = new LinkedHashMap<>();
    private static LabFixture fixture;

    @BeforeAll
    static void up() {
        APP.putAll(Map.of("w1", "frontend", "w2", "backend", "w3", "legacy"));
        fixture = LabFixture.up("jctk", 1, false);
        fixture.apply(H1, LabFixture.globalConfiguration("resyncIntervalSeconds: 2\n"));
        StringBuilder profiles = new StringBuilder();
        APP.forEach((workload, app) -> profiles.append("kind: Profile\nname: ").append(app).append("\nlabels: {app: ")
                .append(app).append("}\ninbound: [{action: allow}]\noutbound: [{action: allow}]\n---\n"));
        fixture.apply(H1, profiles.toString());
        for (String workload : APP.keySet()) {
            String namespace = fixture.lab().workload(workload);
            fixture.jc(H1, "container", "add", "netns:" + namespace, "--profile", APP.get(workload));
            for (int port : List.of(80, 8080)) {
                WorkloadWebServer.start(fixture.layout(), namespace, port);
            }
        }
        for (Resource resource : ResourceCodec.decodeAll(fixture.jc(H1, "container", "list", "-o", "json"))) {
            WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
            ENDPOINTS.put(endpoint.containerId().substring(endpoint.containerId().lastIndexOf('-') + 1), endpoint);
        }
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static String ns(String workload) {
        return fixture.layout().workload(workload);
    }

    private static IpAddress address(String workload, int version) {
        return ENDPOINTS.get(workload).nets(version).get(0).network();
    }

    /** TCP to ports 80 and 8080 over both families between every ordered pair, against allowed(from, to, port). */
    private static void assertMatrix(Allowed allowed) {
        List<Probe> probes = new ArrayList<>();
        List<Boolean> expected = new ArrayList<>();
        for (String from : APP.keySet()) {
            for (String to : APP.keySet()) {
                if (!from.equals(to)) {
                    for (int version : List.of(4, 6)) {
                        for (int port : List.of(80, 8080)) {
                            probes.add(Probe.tcp(ns(from), address(to, version), port));
                            expected.add(allowed.test(APP.get(from), APP.get(to), port));
                        }
                    }
                }
            }
        }
        Connectivity.assertMatrix(probes, expected);
    }

    private interface Allowed {
        boolean test(String from, String to, int port);
    }

    @Test
    @Order(1)
    void withoutPoliciesTheProfilesAllowEverything() {
        assertMatrix((from, to, port) -> true);
    }

    @Test
    @Order(2)
    void aPlatformTierDeniesAndPassesAndTheDefaultTierEndsInADrop() {
        fixture.apply(H1, """
                kind: Tier
                metadata: {name: platform}
                spec: {order: 100}
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: platform.block-legacy}
                spec:
                  tier: platform
                  selector: all()
                  types: [Ingress]
                  ingress:
                  - {action: Deny, source: {selector: app == "legacy"}}
                  - {action: Pass}
                ---
                kind: NetworkPolicy
                metadata: {name: backend, namespace: default}
                spec:
                  selector: app == "backend"
                  ingress:
                  - {action: Allow, protocol: TCP, source: {selector: app == "frontend"}, destination: {ports: [80]}}
                """);
        Probe legacyToFrontend = Probe.tcp(ns("w3"), address("w1", 4), 80);
        assertTrue(Eventually.within(10, () -> !legacyToFrontend.succeeds()), "the platform tier's deny took effect");
        assertMatrix((from, to, port) -> !from.equals("legacy")
                && (!to.equals("backend") || from.equals("frontend") && port == 80));
    }

    @Test
    @Order(3)
    void aDefaultActionPassTierAndAnEgressDenyFallThroughAsDocumented() {
        fixture.apply(H1, """
                kind: Tier
                metadata: {name: platform}
                spec: {order: 100, defaultAction: Pass}
                ---
                kind: GlobalNetworkPolicy
                metadata: {name: platform.block-legacy}
                spec:
                  tier: platform
                  selector: all()
                  types: [Ingress, Egress]
                  ingress:
                  - {action: Deny, source: {selector: app == "legacy"}}
                  egress:
                  - {action: Deny, protocol: TCP, destination: {selector: app == "legacy", ports: [8080]}}
                """);
        Probe toLegacy8080 = Probe.tcp(ns("w1"), address("w3", 4), 8080);
        assertTrue(Eventually.within(10, () -> !toLegacy8080.succeeds()), "the egress deny took effect");
        // nothing decided in the platform tier: defaultAction Pass hands the packet on (no Pass rule any more)
        assertMatrix((from, to, port) -> !from.equals("legacy") && !(to.equals("legacy") && port == 8080)
                && (!to.equals("backend") || from.equals("frontend") && port == 80));
    }

    /**
     * apply refuses a policy whose tier does not exist, but the datastore can still hold one (written by another client,
     * or its tier deleted underneath by one): it is written here directly, as such a client would.
     */
    @Test
    @Order(4)
    void aPolicyInATierThatDoesNotExistFailsItsEndpointsClosedAndSaysSo() throws Exception {
        GlobalNetworkPolicy ghost = (GlobalNetworkPolicy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: ghost.p}
                spec: {tier: ghost, selector: app == "frontend", types: [Ingress], ingress: [{action: Allow}]}
                """).get(0);
        try (Datastore store = fixture.layout().datastoreUrl().open(OpenMode.WRITE)) {
            new ResourceStore(store).create(ghost);
        }
        Probe backendToFrontend = Probe.tcp(ns("w2"), address("w1", 4), 80);
        assertTrue(Eventually.within(10, () -> !backendToFrontend.succeeds()), "frontend's ingress dropped");
        String status = fixture.run(H1, "node", "status").stdout() + fixture.run(H1, "node", "status").stderr();
        assertTrue(status.contains("tier 'ghost', which does not exist"), status);
        assertEquals(1, fixture.run(H1, "node", "status").exitCode(), "node status reports the failure");
        assertTrue(Probe.tcp(ns("w1"), address("w2", 4), 80).succeeds(), "frontend's egress and others keep working");
        try (Datastore store = fixture.layout().datastoreUrl().open(OpenMode.WRITE)) {
            ResourceStore resources = new ResourceStore(store);
            resources.delete(ghost, resources.get(GlobalNetworkPolicy.class, "ghost.p").orElseThrow().revision());
        }
        assertTrue(Eventually.within(10, backendToFrontend::succeeds), "back once the policy is gone");
    }
}
