package org.jcalico.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.model.Cidr;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;

/** The small cluster of calc's and the nftables driver's change sequences: endpoints of app web or db on h1, profile open. */
public final class WebAndDb {
    public static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));

    private WebAndDb() {
    }

    /** Endpoint N of h1 (interface jcwN, 10.65.0.N and fd65::N), in profile open, labelled app=APP. */
    public static WorkloadEndpoint endpoint(int number, String app) {
        return new WorkloadEndpoint("h1", null, "c" + number, "w" + number, "jcw" + number, null,
                List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(Cidr.parse("fd65::" + number + "/128")),
                List.of("open"), null, null, Map.of("app", app), null);
    }

    /** Endpoints 1 to COUNT, the even ones web and the odd ones db, in a list the test goes on to change. */
    public static List<WorkloadEndpoint> endpoints(int count) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            endpoints.add(endpoint(i, i % 2 == 0 ? "web" : "db"));
        }
        return endpoints;
    }

    public static List<Policy> policies(String yaml) {
        return ResourceCodec.decodeAll(yaml).stream().map(Policy.class::cast).toList();
    }
}
