package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The addresses calc says left another node's endpoint (HostState.departed), through the whole calculation as the agent
 * runs it: a remote endpoint removed, or changed to hold other addresses, or moved to another node, gives its single
 * addresses; one changed that kept them, a local endpoint's removal (the route driver's), a network a record claims and
 * the first calculation give none.
 */
class RemoteDeparturesTest {
    private final HostStateCalculator calc = new HostStateCalculator();
    private final List<WorkloadEndpoint> endpoints = new ArrayList<>();

    @Test
    void theAddressesThatLeftAnotherNodesEndpointAndNoOthers() {
        endpoints.add(endpoint("n1", "a", List.of("10.65.0.1/32"), List.of()));
        endpoints.add(endpoint("n2", "x", List.of("10.65.1.5/32"), List.of("fd65::1:5/128")));
        endpoints.add(endpoint("n2", "y", List.of("10.65.1.6/32"), List.of()));
        endpoints.add(endpoint("n2", "z", List.of("10.65.1.7/32"), List.of()));
        endpoints.add(endpoint("n3", "w", List.of("10.65.2.0/28"), List.of()));
        endpoints.add(endpoint("n1", "b", List.of("10.65.0.2/32"), List.of()));
        assertEquals(Set.of(), departed(), "the first calculation has nothing to compare");

        endpoints.set(1, endpoint("n2", "b2", List.of("10.65.1.5/32"), List.of("fd65::1:5/128")));
        endpoints.set(2, endpoint("n2", "y", List.of("10.65.1.6/32"), List.of(), "blue"));
        assertEquals(addresses("10.65.1.5", "fd65::1:5"), departed(),
                "x's addresses, given to b2; y's record changed and kept its address");

        endpoints.set(2, endpoint("n2", "y", List.of("10.65.1.16/32"), List.of(), "blue"));
        endpoints.set(3, endpoint("n4", "z", List.of("10.65.1.7/32"), List.of()));
        endpoints.removeLast();
        endpoints.remove(4);
        assertEquals(addresses("10.65.1.6", "10.65.1.7"), departed(),
                "y's old address and z's, moved to n4; not b's (local) nor w's network");

        assertEquals(Set.of(), departed(), "nothing changed");
    }

    private Set<IpAddress> departed() {
        return calc.calculate(Snapshot.of("n1", FelixConfiguration.DEFAULTS, List.copyOf(endpoints), Map.of())).departed();
    }

    private static Set<IpAddress> addresses(String... addresses) {
        return java.util.Arrays.stream(addresses).map(IpAddress::parse).collect(java.util.stream.Collectors.toSet());
    }

    private static WorkloadEndpoint endpoint(String node, String name, List<String> ipv4, List<String> ipv6, String... profiles) {
        return new WorkloadEndpoint(node, "jcalico", "container-" + name, "ep-" + name, "jc" + name, null,
                ipv4.stream().map(Cidr::parse).toList(), ipv6.stream().map(Cidr::parse).toList(), List.of(profiles), null,
                null, null, null);
    }
}
