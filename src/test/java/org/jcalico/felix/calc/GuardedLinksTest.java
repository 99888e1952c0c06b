package org.jcalico.felix.calc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.EndpointLinks;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * What a cold start sets up behind its guard: the calculation's own links and routes of the endpoints the guard
 * catches, none of an isolated endpoint's interface, nor of one the prefix does not name.
 */
class GuardedLinksTest {
    @Test
    void withEveryEndpointActiveAndPrefixedTheyAreTheCalculations() {
        Snapshot snapshot = snapshot(FelixConfiguration.DEFAULTS, endpoint("jcA", "10.65.0.1", null),
                endpoint("jcB", "10.65.0.2", null));
        HostState calculated = new HostStateCalculator().calculate(snapshot);
        assertEquals(new EndpointLinks(calculated.routes(), calculated.interfaces()), GuardedLinks.of(snapshot));
    }

    @Test
    void anIsolatedEndpointsInterfaceAndOneWithoutThePrefixWaitForTheRules() {
        Snapshot snapshot = snapshot(FelixConfiguration.DEFAULTS, endpoint("jcA", "10.65.0.1", null),
                endpoint("jcB", "10.65.0.2", "down"), endpoint("jcB", "10.65.0.3", null),
                endpoint("vethC", "10.65.0.4", null));
        EndpointLinks links = GuardedLinks.of(snapshot);
        assertEquals(Set.of(new EndpointInterface("jcA", true, false)), links.interfaces());
        assertEquals(Set.of(RouteSpec.toInterface(Cidr.parse("10.65.0.1/32"), "jcA")), links.routes());
    }

    @Test
    void withoutAPrefixTheGuardCatchesNoInterfaceSoNoneComesUpBehindIt() {
        Snapshot snapshot = snapshot(FelixConfiguration.DEFAULTS.withInterfacePrefix(null),
                endpoint("jcA", "10.65.0.1", null));
        assertEquals(new EndpointLinks(Set.of(), Set.of()), GuardedLinks.of(snapshot));
    }

    private static Snapshot snapshot(FelixConfiguration config, WorkloadEndpoint... endpoints) {
        return Snapshot.of("local", config, List.of(endpoints), Map.of("web", Profile.securityGroup("web")));
    }

    private static WorkloadEndpoint endpoint(String iface, String address, String state) {
        return new WorkloadEndpoint("local", null, "c-" + address, "e-" + address, iface, null,
                List.of(Cidr.parse(address + "/32")), List.of(), List.of("web"), state, null, null, null);
    }
}
