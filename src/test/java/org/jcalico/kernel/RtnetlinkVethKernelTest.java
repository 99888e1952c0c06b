package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * Veth pairs made and deleted in-process ({@link Rtnetlink#createVeth}, {@link Rtnetlink#deleteLink}) against the real
 * kernel, in "jcpv-" namespaces: a "host" namespace whose runner makes the pair and a "container" namespace that
 * receives the peer. The root namespace is only read, to show that no link of these names appears there.
 */
@Tag("kernel")
class RtnetlinkVethKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcpv-");
    private static final String HOST_NS = PREFIX + "h";
    private static final String CONTAINER_NS = PREFIX + "c";
    private static final byte[] HOST_MAC = HexFormat.ofDelimiter(":").parseHex("ee:ee:ee:ee:ee:ee");
    private static final byte[] PEER_MAC = HexFormat.ofDelimiter(":").parseHex("02:00:00:00:0a:01");
    /** fe80::ecee:eeff:feee:eeee */
    private static final byte[] GATEWAY6 = HexFormat.of().parseHex("fe80000000000000eceeeefffeeeeeee");
    private static final List<String> NAMES = List.of("jcpvH", "jcpvC", "jcpvX", "jcpvY", "jcpvZ");
    private CommandRunner host;
    private CommandRunner container;

    @BeforeAll
    static void clean() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @AfterEach
    void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
        for (String name : NAMES) {
            assertFalse(CommandRunner.local().run("ip", "link", "show", "dev", name).ok(), "the root namespace has no " + name);
        }
    }

    @AfterAll
    static void deleteAll() {
        Namespaces.deleteAll(PREFIX);
    }

    private Rtnetlink namespaces() {
        host = Namespaces.create(HOST_NS);
        container = Namespaces.create(CONTAINER_NS);
        return host.rtnetlink();
    }

    private static Rtnetlink.Veth veth(String hostName, String peer, byte[] gateway) {
        return new Rtnetlink.Veth(hostName, HOST_MAC, peer, PEER_MAC, "/run/netns/" + CONTAINER_NS, gateway);
    }

    @Test
    void onePairWithThePeerInTheContainerAndTheHostSideUpWithItsMacAndGateway() {
        Rtnetlink netlink = namespaces();
        assertNull(netlink.createVeth(veth("jcpvH", "jcpvC", GATEWAY6)));

        String hostLink = host.run("ip", "-o", "link", "show", "dev", "jcpvH").check().stdout();
        assertTrue(hostLink.contains("link/ether ee:ee:ee:ee:ee:ee"), hostLink);
        assertTrue(hostLink.matches("(?s).*[<,]UP[,>].*"), "the host side is up: " + hostLink);
        // the gateway address only, no generated one, and usable at once: not tentative (no duplicate address detection)
        String addresses = host.run("ip", "-6", "-o", "addr", "show", "dev", "jcpvH").check().stdout().strip();
        assertTrue(addresses.contains("inet6 fe80::ecee:eeff:feee:eeee/64"), addresses);
        assertEquals(1, addresses.lines().count(), addresses);
        assertFalse(addresses.contains("tentative"), addresses);
        assertTrue(host.run("ip", "-d", "link", "show", "dev", "jcpvH").check().stdout().contains("addrgenmode none"));

        String peer = container.run("ip", "-o", "link", "show", "dev", "jcpvC").check().stdout();
        assertTrue(peer.contains("link/ether 02:00:00:00:0a:01"), peer);
        assertFalse(host.run("ip", "link", "show", "dev", "jcpvC").ok(), "the peer is not in the host namespace");
        assertTrue(netlink.hasLink("jcpvH"));
        assertFalse(netlink.hasLink("jcpvC"));

        // deleting the host side takes the peer with it
        assertNull(netlink.deleteLink("jcpvH"));
        assertFalse(host.run("ip", "link", "show", "dev", "jcpvH").ok());
        assertFalse(container.run("ip", "link", "show", "dev", "jcpvC").ok());
    }

    /**
     * The three answers of {@link Rtnetlink#passing} in dockerd's order: the host side up with its peer down beside it
     * in the host's namespace, the peer moved into the container (still down), then brought up there.
     */
    @Test
    void passingTellsWhetherThePeerHasLeftForTheContainer() {
        Rtnetlink netlink = namespaces();
        host.run("ip", "link", "add", "jcpvX", "type", "veth", "peer", "name", "jcpvY").check();
        host.run("ip", "link", "set", "jcpvX", "up").check();
        assertEquals(Rtnetlink.Passing.NOT_YET_PEER_HERE, netlink.passing("jcpvX"));
        host.run("ip", "link", "set", "jcpvY", "netns", CONTAINER_NS).check();
        assertEquals(Rtnetlink.Passing.NOT_YET_PEER_AWAY, netlink.passing("jcpvX"));
        assertFalse(netlink.passesPackets("jcpvX"));
        container.run("ip", "link", "set", "jcpvY", "up").check();
        assertEquals(Rtnetlink.Passing.PASSES, netlink.passing("jcpvX"));
        assertTrue(netlink.passesPackets("jcpvX"));
    }

    @Test
    void anExistingNameIsRefusedWithNothingLeftBehind() {
        Rtnetlink netlink = namespaces();
        host.run("ip", "link", "add", "jcpvX", "type", "veth", "peer", "name", "jcpvZ").check();
        Rtnetlink.Refusal refusal = netlink.createVeth(veth("jcpvX", "jcpvY", GATEWAY6));
        assertNotNull(refusal);
        assertTrue(refusal.first(), refusal.toString());
        assertEquals("File exists", refusal.error());
        assertFalse(container.run("ip", "link", "show", "dev", "jcpvY").ok(), "no peer left in the container");
        assertTrue(host.run("ip", "link", "show", "dev", "jcpvZ").ok(), "the existing pair is untouched");
    }

    @Test
    void aLaterStepRefusedDeletesThePairAgain() {
        Rtnetlink netlink = namespaces();
        // IPv6 off for new interfaces of the host namespace: the gateway address cannot be added
        host.run("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1").check();
        Rtnetlink.Refusal refusal = netlink.createVeth(veth("jcpvH", "jcpvC", GATEWAY6));
        assertNotNull(refusal);
        assertEquals("address add", refusal.step(), refusal.toString());
        assertFalse(host.run("ip", "link", "show", "dev", "jcpvH").ok(), "the host side was deleted again");
        assertFalse(container.run("ip", "link", "show", "dev", "jcpvC").ok(), "and the peer with it");
        // without the IPv6 gateway the same pair is made
        assertNull(netlink.createVeth(veth("jcpvH", "jcpvC", null)));
        assertTrue(container.run("ip", "link", "show", "dev", "jcpvC").ok());
    }

    @Test
    void deletingAMissingLinkSaysSoInIpsWords() {
        Rtnetlink netlink = namespaces();
        assertEquals("No such device", netlink.deleteLink("jcpvH"));
        assertFalse(netlink.hasLink("jcpvH"));
    }
}
