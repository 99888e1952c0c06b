package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jcalico.lab.Probe;
import org.jcalico.lab.WorkloadWebServer;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The prototype's cloud variant: no BGP; the fabric routes each host's fixed range, and hosts still enforce policy. */
@Tag("kernel")
class CloudFabricIT {
    @Test
    void workloadsOnDifferentHostsReachEachOtherThroughTheFabricsRoutes() {
        try (LabFixture fixture = LabFixture.up("jctc", 2, false)) {
            for (int host = 1; host <= 2; host++) {
                for (String profile : List.of("red", "blue")) {
                    String namespace = fixture.lab().workload(profile + host);
                    fixture.jc("h" + host, "container", "add", "netns:" + namespace, "--profile", profile);
                    WorkloadWebServer.start(fixture.layout(), namespace, 80);
                }
            }
            var endpoints = new java.util.HashMap<String, WorkloadEndpoint>();
            for (var resource : ResourceCodec.decodeAll(fixture.jc("h1", "container", "list", "-o", "json"))) {
                WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
                String name = endpoint.containerId().substring(endpoint.containerId().lastIndexOf('-') + 1);
                endpoints.put(name, endpoint);
                int host = Integer.parseInt(endpoint.node().substring(1));
                assertTrue(fixture.layout().fixedRange(4, host).contains(endpoint.ipv4Nets().get(0)), "in its host's range: " + endpoint);
                assertTrue(fixture.layout().fixedRange(6, host).contains(endpoint.ipv6Nets().get(0)), "in its host's range: " + endpoint);
            }
            List<Probe> probes = new java.util.ArrayList<>();
            List<Boolean> expected = new java.util.ArrayList<>();
            for (String from : List.of("red1", "blue1")) {
                for (String to : List.of("red2", "blue2")) {
                    boolean allowed = from.startsWith(to.substring(0, to.length() - 1));
                    for (int version : List.of(4, 6)) {
                        probes.add(Probe.ping(fixture.layout().workload(from), endpoints.get(to).nets(version).get(0).network()));
                        probes.add(Probe.tcp(fixture.layout().workload(to), endpoints.get(from).nets(version).get(0).network(), 80));
                        expected.add(allowed);
                        expected.add(allowed);
                    }
                }
            }
            Connectivity.assertMatrix(probes, expected);
        }
    }
}
