package org.jcalico.testing;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.bench.FelixBenchNode;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;

/**
 * `bench felix`'s cluster for tests that count an add's work at two sizes: endpoints of node "local" and of another
 * node, each in profile "web" or "db" (db open to web on 5432, so each endpoint's address is in a tag set).
 */
public final class FelixBenchCluster {
    public static final String NODE = "local";

    private FelixBenchCluster() {
    }

    /** LOCAL endpoints of this node (indexes 0 up) and REMOTE of another (indexes 100,000 up). */
    public static List<WorkloadEndpoint> endpoints(int local, int remote) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < local; i++) {
            endpoints.add(endpoint(NODE, i));
        }
        for (int i = 0; i < remote; i++) {
            endpoints.add(endpoint("remote", 100_000 + i));
        }
        return endpoints;
    }

    public static Snapshot snapshot(List<WorkloadEndpoint> endpoints, FelixConfiguration config) {
        return Snapshot.of(NODE, config, List.copyOf(endpoints), FelixBenchNode.PROFILES);
    }

    /** The endpoint of that index: an address of each family from it, an interface named by a hash of it. */
    public static WorkloadEndpoint endpoint(String node, int index) {
        Cidr v4 = Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)));
        Cidr v6 = Cidr.host(Cidr.parse("fd96::/64").addressAt(BigInteger.valueOf(index)));
        return new WorkloadEndpoint(node, null, "c-" + index, "e" + index,
                "jc" + java.util.HexFormat.of().toHexDigits(index * 0x9E3779B97F4A7C15L).substring(3), null,
                List.of(v4), List.of(v6), List.of(index % 2 == 0 ? "web" : "db"), null, null, null, null);
    }
}
