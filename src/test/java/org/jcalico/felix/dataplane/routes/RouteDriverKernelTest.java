package org.jcalico.felix.dataplane.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.IpBatch;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Routes through one ip process per apply, and what happens when that process is killed part way through. */
@Tag("kernel")
class RouteDriverKernelTest {
    private static final String NAMESPACE = "jcg1-routes";
    private static CommandRunner host;
    /** While this file exists, the next ip does the first line of its batch, removes the file and is killed. */
    private static Path armed;

    @BeforeAll
    static void createHost() throws IOException {
        KernelTests.assumeKernel();
        armed = Files.createTempDirectory("jcie-routes").resolve("armed");
        Namespaces.deleteAll("jcg1-routes");
        host = Namespaces.create(NAMESPACE);
        host.run("ip", "link", "add", "jcA", "type", "veth", "peer", "name", "eA").check();
        host.run("ip", "link", "set", "jcA", "up").check();
    }

    @AfterAll
    static void deleteHost() throws IOException {
        Namespaces.delete(NAMESPACE);
        if (armed != null) {
            Files.deleteIfExists(armed);
            Files.deleteIfExists(armed.getParent());
        }
    }

    @Test
    void anIpKilledMidBatchNeitherLosesARouteNorClaimsOne() throws IOException {
        RouteDriver driver = killable();
        RouteSpec first = RouteSpec.toInterface(Cidr.parse("10.66.0.1/32"), "jcA");
        RouteSpec second = RouteSpec.toInterface(Cidr.parse("fd66::2/128"), "jcA");
        RouteSpec third = RouteSpec.toInterface(Cidr.parse("10.66.0.3/32"), "jcA");
        RouteSpec fourth = RouteSpec.toInterface(Cidr.parse("10.66.0.5/32"), "jcA");
        assertTrue(driver.apply(Set.of(first)).failures().isEmpty());
        assertTrue(driver.apply(Set.of(first, second)).failures().isEmpty());
        assertEquals(Set.of(first, second), driver.read());

        Files.createFile(armed);
        Changes changes = driver.apply(Set.of(first, second, third, fourth));
        assertTrue(Files.notExists(armed), "the ip of that apply was killed");
        assertEquals(Set.of(), changes.failures().keySet(), changes.toString());
        assertEquals(Set.of(first, second, third, fourth), driver.read());
        assertEquals(1, changes.count(Change.ROUTES_ADDED), "only the route the killed ip left out is added: " + changes);

        // a route ip refuses is still reported, by the fresh ip, under its interface
        RouteSpec nowhere = RouteSpec.toInterface(Cidr.parse("10.66.0.4/32"), "jcNOPE");
        Changes refused = driver.apply(Set.of(first, second, third, nowhere));
        assertTrue(refused.failures().getOrDefault("jcNOPE", "").contains("Cannot find device"), refused.toString());
        assertEquals(Set.of(first, second, third), driver.read());
    }

    @Test
    void aRouteToAnInterfaceMadeAgainUnderTheSameNameIsAdded() {
        RouteDriver driver = new RouteDriver(host);
        host.run("ip", "link", "add", "jcB", "type", "veth", "peer", "name", "eB").check();
        host.run("ip", "link", "set", "jcB", "up").check();
        RouteSpec before = RouteSpec.toInterface(Cidr.parse("10.66.2.1/32"), "jcB");
        assertTrue(driver.apply(Set.of(before)).failures().isEmpty());
        // the container is removed and added again: its veth is made again under the same name, with a new index
        host.run("ip", "link", "del", "jcB").check();
        host.run("ip", "link", "add", "jcB", "type", "veth", "peer", "name", "eB").check();
        host.run("ip", "link", "set", "jcB", "up").check();
        RouteSpec after = RouteSpec.toInterface(Cidr.parse("10.66.2.2/32"), "jcB");
        Changes changes = driver.apply(Set.of(after));
        assertEquals(Set.of(), changes.failures().keySet(), changes.toString());
        assertEquals(Set.of(after), driver.read());
        host.run("ip", "link", "del", "jcB").check();
    }

    @Test
    void aGoneEndpointsTrackedConnectionsAreForgottenSoThatTheNextHolderOfItsAddressInheritsNone() {
        RouteDriver driver = new RouteDriver(host);
        RouteSpec leaving = RouteSpec.toInterface(Cidr.parse("10.66.1.1/32"), "jcA");
        RouteSpec leaving6 = RouteSpec.toInterface(Cidr.parse("fd66::11/128"), "jcA");
        RouteSpec staying = RouteSpec.toInterface(Cidr.parse("10.66.1.2/32"), "jcA");
        assertTrue(driver.apply(Set.of(leaving, leaving6, staying)).failures().isEmpty());
        // an established connection out of each endpoint, and one into the leaving endpoint
        track("10.66.1.1", "10.66.9.9");
        track("10.66.9.9", "10.66.1.1");
        track("fd66::11", "fd66::99");
        track("10.66.1.2", "10.66.9.9");

        Changes changes = driver.apply(Set.of(staying));
        assertEquals(Set.of(), changes.failures().keySet(), changes.toString());
        assertEquals("", tracked("10.66.1.1"), "the gone endpoint's connections, both ways, are forgotten");
        assertEquals("", tracked("fd66::11"));
        assertTrue(tracked("10.66.1.2").contains("src=10.66.1.2"), "the staying endpoint keeps its connection");
    }

    /** A driver whose ip is killed after the first line of its batch while {@link #armed} exists. */
    private static RouteDriver killable() {
        String ip = "ip -force -batch -";
        return new RouteDriver(host, new IpBatch(host, List.of("sh", "-c", "if [ -e " + armed + " ]; then rm " + armed
                + "; head -n 1 | " + ip + "; kill -9 $$; fi; exec " + ip)));
    }

    private static void track(String source, String destination) {
        host.run("conntrack", "-I", "-s", source, "-d", destination, "-p", "tcp", "--sport", "40000", "--dport", "80",
                "--state", "ESTABLISHED", "-u", "ASSURED", "-t", "120").check();
    }

    /** The entries with the address on either side of their original direction. */
    private static String tracked(String address) {
        return (host.run("conntrack", "-L", "-s", address).stdout() + host.run("conntrack", "-L", "-d", address).stdout()).strip();
    }
}
