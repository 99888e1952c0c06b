package org.jcalico.felix.dataplane.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.testing.KernelTests;
import org.jcalico.util.PersistentSortedMap;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Routes through one rtnetlink batch per apply, and what happens when its socket is closed part way through. */
@Tag("kernel")
class RouteDriverKernelTest {
    /** After JCALICO_TEST_NS_PREFIX when set, so that people sharing a machine do not remove each other's namespace. */
    private static final String NAMESPACE = TestNamespaces.named("jcpn-routes");
    private static CommandRunner host;

    @BeforeAll
    static void createHost() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAMESPACE);
        host = Namespaces.create(NAMESPACE);
        veth("jcA");
    }

    @AfterAll
    static void deleteHost() {
        Namespaces.delete(NAMESPACE);
    }

    @Test
    void aBatchCutMidWayNeitherLosesARouteNorClaimsOne() {
        Rtnetlink netlink = host.rtnetlink();
        RouteDriver driver = new RouteDriver(host, netlink);
        RouteSpec first = RouteSpec.toInterface(Cidr.parse("10.66.0.1/32"), "jcA");
        RouteSpec second = RouteSpec.toInterface(Cidr.parse("fd66::2/128"), "jcA");
        RouteSpec third = RouteSpec.toInterface(Cidr.parse("10.66.0.3/32"), "jcA");
        RouteSpec fourth = RouteSpec.toInterface(Cidr.parse("10.66.0.5/32"), "jcA");
        assertTrue(driver.apply(Set.of(first)).failures().isEmpty());
        assertTrue(driver.apply(Set.of(first, second)).failures().isEmpty());
        assertEquals(Set.of(first, second), driver.read());

        // the batch's socket is closed after its first request (the third route) was sent, before any ack was read
        netlink.closeMidBatch(1);
        Changes changes = driver.apply(Set.of(first, second, third, fourth));
        assertEquals(Set.of(), changes.failures().keySet(), changes.toString());
        assertEquals(Set.of(first, second, third, fourth), driver.read());
        assertEquals(1, changes.count(Change.ROUTES_ADDED), "only the route the cut batch left out is added: " + changes);

        // a refused route is still reported, on the fresh socket, under its interface, in ip's words
        RouteSpec nowhere = RouteSpec.toInterface(Cidr.parse("10.66.0.4/32"), "jcNOPE");
        Changes refused = driver.apply(Set.of(first, second, third, nowhere));
        assertTrue(refused.failures().getOrDefault("jcNOPE", "").contains("Cannot find device"), refused.toString());
        assertEquals(Set.of(first, second, third), driver.read());
    }

    /**
     * Issue #14: one route more costs the driver what that route costs, not a walk of every route it keeps, when the
     * routes come as calc hands them out (a persistent map's keys, which share what did not change). Counted, not timed,
     * as the bytes the applying thread allocates (the JVM counts them per thread, and a loaded machine does not change
     * them), median of 20 adds: until session 37 the driver hashed every desired and every programmed route into new
     * sets per apply, 2,000 routes in `bench felix`'s add, 1.5-3.8 ms of a core (docs/dataplane.md).
     */
    @Test
    void anAddsWorkDoesNotGrowWithTheRoutesKept() {
        long small = bytesPerAdd(200, 0);
        long large = bytesPerAdd(2_000, 1);
        System.out.println("a route added allocated " + small + " bytes with 200 kept, " + large + " with 2,000");
        assertTrue(large < small * 2 + 16 * 1024, "a route added allocated " + large + " bytes with 2,000 kept against "
                + small + " with 200");
    }

    /** The median of the bytes one route added allocated, with KEPT routes (blackholes of 10.(67+NET).0.0/16) there. */
    private static long bytesPerAdd(int kept, int net) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        RouteDriver driver = new RouteDriver(host);
        PersistentSortedMap<RouteSpec, Integer> routes = PersistentSortedMap.byHash();
        for (int i = 0; i < kept; i++) {
            routes = routes.with(blackhole(net, i), 1);
        }
        assertEquals(Set.of(), driver.apply(routes.keySet()).failures().keySet());
        long[] bytes = new long[20];
        for (int i = 0; i < bytes.length; i++) {
            routes = routes.with(blackhole(net, kept + i), 1);
            long before = threads.getCurrentThreadAllocatedBytes();
            Changes changes = driver.apply(routes.keySet());
            bytes[i] = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(1, changes.count(Change.ROUTES_ADDED), changes.toString());
        }
        assertEquals(routes.keySet(), driver.read());
        assertEquals(Set.of(), driver.apply(Set.of()).failures().keySet());
        Arrays.sort(bytes);
        return bytes[bytes.length / 2];
    }

    private static RouteSpec blackhole(int net, int index) {
        return new RouteSpec(Cidr.parse("10." + (67 + net) + "." + index / 256 + "." + index % 256 + "/32"),
                RouteSpec.Type.BLACKHOLE, null);
    }

    @Test
    void aRouteToAnInterfaceMadeAgainUnderTheSameNameIsAdded() {
        RouteDriver driver = new RouteDriver(host);
        veth("jcB");
        RouteSpec before = RouteSpec.toInterface(Cidr.parse("10.66.2.1/32"), "jcB");
        assertTrue(driver.apply(Set.of(before)).failures().isEmpty());
        // the container is removed and added again: its veth is made again under the same name, with a new index
        host.run("ip", "link", "del", "jcB").check();
        veth("jcB");
        RouteSpec after = RouteSpec.toInterface(Cidr.parse("10.66.2.2/32"), "jcB");
        Changes changes = driver.apply(Set.of(after));
        assertEquals(Set.of(), changes.failures().keySet(), changes.toString());
        assertEquals(Set.of(after), driver.read());
        host.run("ip", "link", "del", "jcB").check();
    }

    @Test
    void aGoneEndpointsTrackedConnectionsAreForgottenSoThatTheNextHolderOfItsAddressInheritsNone() {
        Rtnetlink netlink = host.rtnetlink();
        RouteDriver driver = new RouteDriver(host, netlink);
        RouteSpec leaving = RouteSpec.toInterface(Cidr.parse("10.66.1.1/32"), "jcA");
        RouteSpec leaving6 = RouteSpec.toInterface(Cidr.parse("fd66::11/128"), "jcA");
        RouteSpec staying = RouteSpec.toInterface(Cidr.parse("10.66.1.2/32"), "jcA");
        assertTrue(driver.apply(Set.of(leaving, leaving6, staying)).failures().isEmpty());
        // an established connection out of each endpoint, and one into the leaving endpoint
        track("10.66.1.1", "10.66.9.9");
        track("10.66.9.9", "10.66.1.1");
        track("fd66::11", "fd66::99");
        track("10.66.1.2", "10.66.9.9");

        // this apply's batch deletes the first route (10.66.1.1) and its socket is closed; the retry reads the kernel
        // back, which no longer holds that route: it was deleted all the same, and so are its connections
        netlink.closeMidBatch(1);
        Changes changes = driver.apply(Set.of(staying));
        assertEquals(Set.of(), changes.failures().keySet(), changes.toString());
        assertEquals(Set.of(staying), driver.read());
        assertEquals(2, changes.count(Change.ROUTES_REMOVED), changes.toString());
        assertEquals("", tracked("10.66.1.1"), "the gone endpoint's connections, both ways, are forgotten");
        assertEquals("", tracked("fd66::11"));
        assertTrue(tracked("10.66.1.2").contains("src=10.66.1.2"), "the staying endpoint keeps its connection");
    }

    /**
     * A container whose network namespace goes before its endpoint's record (dockerd killed with its containers, a
     * container that died, a pod's namespace deleted before its DEL) takes its veth, and the kernel its routes with it;
     * a resync in between reads the kernel back without them, and the endpoint's routes, still desired, are refused
     * for want of the device. The endpoint's removal after that must still forget its addresses' connections, or a later
     * holder of an address inherits them (DockerNetworkIT saw them left after a dockerd was killed and started again).
     */
    @Test
    void aGoneEndpointWhoseRoutesWentWithItsInterfaceBeforeAResyncHasItsConnectionsForgottenToo() {
        RouteDriver driver = new RouteDriver(host);
        veth("jcC");
        RouteSpec leaving = RouteSpec.toInterface(Cidr.parse("10.66.3.1/32"), "jcC");
        RouteSpec leaving6 = RouteSpec.toInterface(Cidr.parse("fd66::31/128"), "jcC");
        assertTrue(driver.apply(Set.of(leaving, leaving6)).failures().isEmpty());
        track("10.66.3.1", "10.66.9.9");
        track("10.66.9.9", "10.66.3.1");
        track("fd66::31", "fd66::99");

        host.run("ip", "link", "del", "jcC").check();
        driver.forget();
        Changes refused = driver.apply(Set.of(leaving, leaving6));
        assertEquals(Set.of("jcC"), refused.failures().keySet(), "the endpoint's routes, its interface gone: " + refused);
        Changes removed = driver.apply(Set.of());
        assertEquals(Set.of(), removed.failures().keySet(), removed.toString());
        assertEquals("", tracked("10.66.3.1"), "the gone endpoint's connections, both ways, are forgotten");
        assertEquals("", tracked("fd66::31"));
    }

    /**
     * An address that goes at once from one endpoint to another (the old one removed, the new one given it in the same
     * change) has its connections forgotten before the change writes what lets the new endpoint's packets through, also
     * in the first change after a resync, when the kernel's routes are not read yet: the routes the last batch was given
     * tell the move.
     */
    @Test
    void anAddressMovedAtOnceInTheFirstChangeAfterAResyncHasItsConnectionsForgottenFirst() {
        RouteDriver driver = new RouteDriver(host);
        veth("jcD");
        veth("jcE");
        RouteSpec before = RouteSpec.toInterface(Cidr.parse("10.66.4.1/32"), "jcD");
        RouteSpec after = RouteSpec.toInterface(Cidr.parse("10.66.4.1/32"), "jcE");
        assertTrue(driver.apply(Set.of(before)).failures().isEmpty());
        track("10.66.4.1", "10.66.9.9");
        track("10.66.9.9", "10.66.4.1");
        driver.forget();
        driver.forgetMovedFlows(Set.of(after), Set.of());
        assertEquals("", tracked("10.66.4.1"), "the old endpoint's connections are gone before the new one's rules");
        host.run("ip", "link", "del", "jcD").check();
        host.run("ip", "link", "del", "jcE").check();
    }

    /**
     * An endpoint whose route went while no agent ran (dockerd killed with its containers, a `container remove` served
     * while the agent restarted) was never seen going by the agent that starts next, which has no routes of its own to
     * compare: its first change forgets the connections of every address of this node's blocks that no endpoint it
     * keeps routes to, before it writes anything that lets a packet through, so that the address's next holder, also one
     * given it while no agent ran, inherits none. The connections of an endpoint that stayed, of remote addresses and of
     * the host stay too.
     */
    @Test
    void anEndpointGoneWhileNoAgentRanHasItsConnectionsForgottenByTheNextAgentsFirstChange() {
        veth("jcF");
        veth("jcG");
        RouteSpec block = new RouteSpec(Cidr.parse("10.66.5.0/26"), RouteSpec.Type.UNREACHABLE, null);
        RouteSpec block6 = new RouteSpec(Cidr.parse("fd66::5:0/122"), RouteSpec.Type.UNREACHABLE, null);
        RouteSpec moving = RouteSpec.toInterface(Cidr.parse("10.66.5.1/32"), "jcF");
        RouteSpec leaving = RouteSpec.toInterface(Cidr.parse("10.66.5.4/32"), "jcF");
        RouteSpec leaving6 = RouteSpec.toInterface(Cidr.parse("fd66::5:1/128"), "jcF");
        RouteSpec staying = RouteSpec.toInterface(Cidr.parse("10.66.5.2/32"), "jcA");
        RouteSpec staying6 = RouteSpec.toInterface(Cidr.parse("fd66::5:2/128"), "jcA");
        Set<RouteSpec> before = Set.of(block, block6, moving, leaving, leaving6, staying, staying6);
        assertEquals(Set.of(), new RouteDriver(host).apply(before).failures().keySet());
        track("10.66.5.1", "10.66.9.9");
        track("10.66.9.9", "10.66.5.4");
        track("fd66::5:1", "fd66::99");
        track("10.66.5.2", "10.66.9.9");
        track("fd66::99", "fd66::5:2");
        track("10.66.8.8", "10.66.9.9");
        track("10.66.5.64", "10.66.9.9");

        // the agent stops; the container behind jcF goes and a new one (jcG) is given 10.66.5.1; another agent starts
        host.run("ip", "link", "del", "jcF").check();
        RouteDriver next = new RouteDriver(host);
        RouteSpec moved = RouteSpec.toInterface(Cidr.parse("10.66.5.1/32"), "jcG");
        Set<RouteSpec> after = Set.of(block, block6, moved, staying, staying6);
        Changes forgotten = next.forgetMovedFlows(after, Set.of());
        assertEquals(Set.of(), forgotten.failures().keySet(), forgotten.toString());
        assertEquals("", tracked("10.66.5.1"), "the address's new holder inherits no connection of the old one's");
        assertEquals("", tracked("10.66.5.4"), "a gone endpoint's connections, both ways, are forgotten");
        assertEquals("", tracked("fd66::5:1"));
        assertTrue(tracked("10.66.5.2").contains("src=10.66.5.2"), "an endpoint that stayed keeps its connections");
        assertTrue(tracked("fd66::5:2").contains("dst=fd66::5:2"));
        assertTrue(tracked("10.66.8.8").contains("src=10.66.8.8"), "a connection of no local block's address stays");
        assertTrue(tracked("10.66.5.64").contains("src=10.66.5.64"), "the address after the block is not in it");
        assertEquals(Set.of(), next.apply(after).failures().keySet());
        assertEquals(after, next.read());
        assertEquals(Set.of(), next.apply(Set.of()).failures().keySet());
        host.run("ip", "link", "del", "jcG").check();
        host.run("conntrack", "-F").check();
    }

    /**
     * An address of another node's block has no unreachable route here: what a local endpoint sends to it goes out by
     * that block's route and the kernel keeps the connection, also once the address's holder there is gone (its node
     * forgets its own entries, not this one's). When IPAM then lends the address to an endpoint of this node, the
     * connections to it go before the change lets anything through to the new holder, and those made while the change
     * is written go once its route and rules are in: else the new holder gets, as established, what its policy never
     * let in. A local block's free address drops what is sent to it, so nothing is forgotten at its add.
     */
    @Test
    void anAddressBorrowedFromAnotherNodesBlockHasItsConnectionsForgottenWhenALocalEndpointIsGivenIt() {
        RouteDriver driver = new RouteDriver(host);
        RouteSpec block = new RouteSpec(Cidr.parse("10.66.6.0/26"), RouteSpec.Type.UNREACHABLE, null);
        RouteSpec block6 = new RouteSpec(Cidr.parse("fd66::6:0/122"), RouteSpec.Type.UNREACHABLE, null);
        RouteSpec staying = RouteSpec.toInterface(Cidr.parse("10.66.6.1/32"), "jcA");
        RouteSpec staying6 = RouteSpec.toInterface(Cidr.parse("fd66::6:1/128"), "jcA");
        assertEquals(Set.of(), driver.apply(Set.of(block, block6, staying, staying6)).failures().keySet());
        // 10.66.6.1 had flows with 10.66.7.5 and fd66::7:5 while they were another node's workloads
        track("10.66.6.1", "10.66.7.5");
        track("fd66::6:1", "fd66::7:5");
        track("10.66.6.1", "10.66.7.6");

        RouteSpec borrowed = RouteSpec.toInterface(Cidr.parse("10.66.7.5/32"), "jcA");
        RouteSpec borrowed6 = RouteSpec.toInterface(Cidr.parse("fd66::7:5/128"), "jcA");
        Set<RouteSpec> lent = Set.of(block, block6, staying, staying6, borrowed, borrowed6);
        Changes forgotten = driver.forgetMovedFlows(lent, Set.of());
        assertEquals(Set.of(), forgotten.failures().keySet(), forgotten.toString());
        assertEquals("", tracked("10.66.7.5"), "the borrowed address's new holder inherits no connection to it");
        assertEquals("", tracked("fd66::7:5"));
        // 10.66.6.1 sent again while the change was written, its packets judged against a remote address
        track("10.66.6.1", "10.66.7.5");
        track("fd66::6:1", "fd66::7:5");
        StringBuilder atRulesIn = new StringBuilder();
        Changes applied = driver.apply(lent, () -> atRulesIn.append(tracked("10.66.7.5")));
        assertEquals(Set.of(), applied.failures().keySet(), applied.toString());
        assertTrue(atRulesIn.toString().contains("dst=10.66.7.5"), "forgotten after the rules are in, not before");
        assertEquals("", tracked("10.66.7.5"), "a connection made before the new holder's rules were in goes after them");
        assertEquals("", tracked("fd66::7:5"));
        assertTrue(tracked("10.66.7.6").contains("dst=10.66.7.6"), "a remote address no local endpoint is given keeps its");
        assertTrue(tracked("10.66.6.1").contains("dst=10.66.7.6"), "the local endpoint's other connections stay");
        assertEquals(Set.of(), driver.apply(Set.of()).failures().keySet());
        host.run("conntrack", "-F").check();
    }

    /**
     * Addresses that left another node's endpoint (calc's {@code HostState.departed}): a local endpoint's connections
     * with them were accepted by its policy for their old holder, and would carry its packets to the next one. They go
     * once the change's rules are in (which no longer allow a new one for the old holder's sake), so that one made while
     * the change was written goes too; one that a local endpoint's route comes to in the same change (an address of this
     * node's block that another node's endpoint had borrowed) goes before the change as well, as a lent one does. A
     * remote address that stayed with its holder keeps its connections.
     */
    @Test
    void addressesThatLeftAnotherNodesEndpointHaveTheirConnectionsForgottenOnceTheChangesRulesAreIn() {
        RouteDriver driver = new RouteDriver(host);
        RouteSpec block = new RouteSpec(Cidr.parse("10.66.10.0/26"), RouteSpec.Type.UNREACHABLE, null);
        RouteSpec staying = RouteSpec.toInterface(Cidr.parse("10.66.10.1/32"), "jcA");
        assertEquals(Set.of(), driver.apply(Set.of(block, staying)).failures().keySet());
        track("10.66.10.1", "10.66.11.5");
        track("fd66::a:1", "fd66::b:5");
        track("10.66.11.5", "10.66.10.1");
        track("10.66.10.1", "10.66.11.6");
        track("10.66.10.1", "10.66.10.9");

        RouteSpec returned = RouteSpec.toInterface(Cidr.parse("10.66.10.9/32"), "jcA");
        Set<RouteSpec> after = Set.of(block, staying, returned);
        Set<IpAddress> departed = Set.of(IpAddress.parse("10.66.11.5"), IpAddress.parse("fd66::b:5"),
                IpAddress.parse("10.66.10.9"));
        Changes first = driver.forgetMovedFlows(after, departed);
        assertEquals(Set.of(), first.failures().keySet(), first.toString());
        assertEquals("", tracked("10.66.10.9"), "an address a local endpoint is given in the same change: before it");
        // another local endpoint's, sent while the change was written, allowed by the rules before it
        track("10.66.10.2", "10.66.11.5");
        StringBuilder atRulesIn = new StringBuilder();
        Changes applied = driver.apply(after, () -> atRulesIn.append(tracked("10.66.10.2")));
        assertEquals(Set.of(), applied.failures().keySet(), applied.toString());
        assertTrue(atRulesIn.toString().contains("dst=10.66.11.5"), "forgotten after the rules are in, not before");
        assertEquals("", tracked("10.66.11.5"), "the departed address's connections go, both ways");
        assertEquals("", tracked("fd66::b:5"), "and IPv6's");
        assertTrue(tracked("10.66.11.6").contains("dst=10.66.11.6"), "a remote address that stayed keeps its connection");
        assertEquals(Set.of(), driver.apply(Set.of()).failures().keySet());
        host.run("conntrack", "-F").check();
    }

    /**
     * t-stray's start window (s63/lead-note.md): the first change's sweep forgets what the start's dump found, so a
     * connection a local endpoint makes to an address of another node's block after that dump and before the first
     * change's rules are in is not in it; when the first change lends that address to a local endpoint, the
     * connection goes once the change's rules are in, as it would in any later change.
     */
    @Test
    void aConnectionToAnAddressLentInTheFirstChangeMadeAfterItsSweepGoesOnceItsRulesAreIn() {
        RouteDriver driver = new RouteDriver(host);
        RouteSpec block = new RouteSpec(Cidr.parse("10.66.12.0/26"), RouteSpec.Type.UNREACHABLE, null);
        RouteSpec staying = RouteSpec.toInterface(Cidr.parse("10.66.12.1/32"), "jcA");
        RouteSpec lent = RouteSpec.toInterface(Cidr.parse("10.66.13.5/32"), "jcA");
        Set<RouteSpec> first = Set.of(block, staying, lent);
        Changes swept = driver.forgetMovedFlows(first, Set.of());
        assertEquals(Set.of(), swept.failures().keySet(), swept.toString());
        track("10.66.12.1", "10.66.13.5");
        Changes applied = driver.apply(first, () -> { });
        assertEquals(Set.of(), applied.failures().keySet(), applied.toString());
        assertEquals("", tracked("10.66.13.5"), "the lent address's new holder inherits no connection made since the sweep");
        assertEquals(Set.of(), driver.apply(Set.of()).failures().keySet());
        host.run("conntrack", "-F").check();
    }

    /** A veth pair NAME (jcX) and eX, NAME up. */
    private static void veth(String name) {
        host.run("ip", "link", "add", name, "type", "veth", "peer", "name", "e" + name.substring(2)).check();
        host.run("ip", "link", "set", name, "up").check();
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
