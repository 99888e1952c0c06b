package org.jcalico.felix.dataplane.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Routes through the long-lived ip process, and what happens when that process is killed. */
@Tag("kernel")
class RouteDriverKernelTest {
    private static final String NAMESPACE = "jcg1-routes";
    private static CommandRunner host;

    @BeforeAll
    static void createHost() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll("jcg1-routes");
        host = Namespaces.create(NAMESPACE);
        host.run("ip", "link", "add", "jcA", "type", "veth", "peer", "name", "eA").check();
        host.run("ip", "link", "set", "jcA", "up").check();
    }

    @AfterAll
    static void deleteHost() {
        Namespaces.delete(NAMESPACE);
    }

    @Test
    void oneIpServesEveryApplyAndAKilledOneNeitherLosesARouteNorClaimsOne() {
        RouteDriver driver = new RouteDriver(host);
        RouteSpec first = RouteSpec.toInterface(Cidr.parse("10.66.0.1/32"), "jcA");
        RouteSpec second = RouteSpec.toInterface(Cidr.parse("fd66::2/128"), "jcA");
        RouteSpec third = RouteSpec.toInterface(Cidr.parse("10.66.0.3/32"), "jcA");
        assertTrue(driver.apply(Set.of(first)).failures().isEmpty());
        long ip = driver.helperPid();
        assertTrue(driver.apply(Set.of(first, second)).failures().isEmpty());
        assertEquals(ip, driver.helperPid(), "a second apply starts no other ip");
        assertEquals(Set.of(first, second), driver.read());

        CommandRunner.local().run("kill", "-9", String.valueOf(ip)).check();
        Changes changes = driver.apply(Set.of(first, second, third));
        assertEquals(Set.of(), changes.failures().keySet(), changes.toString());
        assertEquals(Set.of(first, second, third), driver.read());
        assertEquals(1, changes.count(Change.ROUTES_ADDED), "only the missing route is added: " + changes);
        assertTrue(ip != driver.helperPid());

        // a route ip refuses is still reported, by the fresh ip, under its interface
        RouteSpec nowhere = RouteSpec.toInterface(Cidr.parse("10.66.0.4/32"), "jcNOPE");
        Changes refused = driver.apply(Set.of(first, second, third, nowhere));
        assertTrue(refused.failures().getOrDefault("jcNOPE", "").contains("Cannot find device"), refused.toString());
        assertEquals(Set.of(first, second, third), driver.read());
    }
}
