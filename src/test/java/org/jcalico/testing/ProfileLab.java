package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jcalico.lab.Probe;
import org.jcalico.lab.WorkloadWebServer;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;

/**
 * One lab host (no BGP) running the real agent with workloads in profiles, each serving TCP on ports 80 and 8080
 * (busybox httpd, which daemonises inside the workload's namespace): the set-up of the single-host policy tests, and
 * the checks they share, the profile matrix and a rule change.
 */
public final class ProfileLab implements AutoCloseable {
    public static final String HOST = "h1";

    private final LabFixture fixture;
    private final Map<String, String> profileOf;
    private final Map<String, WorkloadEndpoint> endpoints;

    private ProfileLab(LabFixture fixture, Map<String, String> profileOf, Map<String, WorkloadEndpoint> endpoints) {
        this.fixture = fixture;
        this.profileOf = profileOf;
        this.endpoints = endpoints;
    }

    /**
     * Builds lab {@code name} with one host, applies the FelixConfiguration given as YAML, and adds each workload to
     * its profile, in the order of their names.
     */
    public static ProfileLab up(String name, Map<String, String> profileOf, String felixConfiguration) {
        LabFixture fixture = LabFixture.up(name, 1, false);
        try {
            fixture.apply(HOST, felixConfiguration);
            for (var workload : new TreeMap<>(profileOf).entrySet()) {
                String namespace = fixture.lab().workload(workload.getKey());
                fixture.jc(HOST, "container", "add", "netns:" + namespace, "--profile", workload.getValue());
                for (int port : List.of(80, 8080)) {
                    WorkloadWebServer.start(fixture.layout(), namespace, port);
                }
            }
            Map<String, WorkloadEndpoint> endpoints = new LinkedHashMap<>();
            for (Resource resource : ResourceCodec.decodeAll(fixture.jc(HOST, "container", "list", "-o", "json"))) {
                WorkloadEndpoint endpoint = (WorkloadEndpoint) resource;
                endpoints.put(endpoint.containerId().substring(endpoint.containerId().lastIndexOf('-') + 1), endpoint);
            }
            return new ProfileLab(fixture, Map.copyOf(profileOf), endpoints);
        } catch (RuntimeException | Error e) {
            fixture.close();
            throw e;
        }
    }

    public LabFixture fixture() {
        return fixture;
    }

    /** The workload's endpoint as `container list` showed it after the set-up. */
    public WorkloadEndpoint endpoint(String workload) {
        return endpoints.get(workload);
    }

    /** The workload's network namespace. */
    public String ns(String workload) {
        return fixture.layout().workload(workload);
    }

    /** The workload's first address of the family (4 or 6). */
    public IpAddress address(String workload, int version) {
        return endpoints.get(workload).nets(version).get(0).network();
    }

    /**
     * Ping and TCP 80 between every ordered pair of workloads, both families: allowed within a profile, refused
     * across profiles (the profiles allow their own tag only).
     */
    public void assertProfileMatrix() {
        List<Probe> probes = new ArrayList<>();
        List<Boolean> expected = new ArrayList<>();
        for (String from : endpoints.keySet()) {
            for (String to : endpoints.keySet()) {
                if (from.equals(to)) {
                    continue;
                }
                boolean allowed = profileOf.get(from).equals(profileOf.get(to));
                for (int version : List.of(4, 6)) {
                    probes.add(Probe.ping(ns(from), address(to, version)));
                    probes.add(Probe.tcp(ns(from), address(to, version), 80));
                    expected.add(allowed);
                    expected.add(allowed);
                }
            }
        }
        Connectivity.assertMatrix(probes, expected);
    }

    /**
     * A rule added to the destination's profile, allowing TCP 8080 from the source's profile, takes effect without a
     * restart and for that port only; removed, it is gone. {@code from} and {@code to} are in different profiles.
     */
    public void assertARuleChangeTakesEffect(String from, String to) {
        Probe to8080 = Probe.tcp(ns(from), address(to, 4), 8080);
        Probe to80 = Probe.tcp(ns(from), address(to, 4), 80);
        assertFalse(to8080.succeeds(), "tcp 8080 " + from + " -> " + to + " refused before the rule");
        fixture.jc(HOST, "profile", "rule", "add", profileOf.get(to), "inbound", "allow", "--protocol", "tcp", "--src-tag",
                profileOf.get(from), "--dst-ports", "8080");
        assertTrue(Eventually.within(5, to8080::succeeds), "tcp 8080 " + from + " -> " + to + " allowed after the rule was added");
        assertFalse(to80.succeeds(), "port 80 stays refused");
        fixture.jc(HOST, "profile", "rule", "remove", profileOf.get(to), "inbound", "2");
        assertTrue(Eventually.within(5, () -> !to8080.succeeds()), "tcp 8080 refused again after the rule was removed");
    }

    @Override
    public void close() {
        fixture.close();
    }
}
