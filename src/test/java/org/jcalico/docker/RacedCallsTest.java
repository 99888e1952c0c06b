package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.CommitGate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The plugin's calls racing each other (docs/docker.md, "Session 58 (t-join)"), each race played at its one step: the
 * other call runs beside (up to {@link #BESIDE}) just when the first call writes an endpoint's record. One container's
 * endpoints on several networks changed at once must each be a member of exactly the networks the container is on (the
 * gated write: a Join's first, once it read the siblings, the detach of the endpoint made at CreateEndpoint); an address
 * docker releases while an endpoint of it is being attached must never end up with two endpoints.
 */
@Tag("kernel")
class RacedCallsTest extends PluginKernelTest {
    private static final String SANDBOX = "/var/run/docker/netns/x";
    private static final String ON_BLUE = "e".repeat(64);
    private static final String ON_GREEN = "f".repeat(64);
    private static final String ON_RED = "9".repeat(64);
    /** How long the call beside may take before the gated Join goes on: one that waits its turn takes it after. */
    private static final Duration BESIDE = Duration.ofSeconds(5);
    /** The call run beside the gated commit, once armed; the gate opens once. */
    private volatile Thread beside;
    private volatile String gatedKey;
    private NetworkDriver gated;
    private IpamDriver addresses;

    @Override
    String prefix() {
        return "jcsd-dsib-";
    }

    @BeforeEach
    void gate() {
        gated = node.networkDriver(new ResourceStore(new CommitGate(node.store.datastore(),
                ops -> gatedKey != null && CommitGate.writing(gatedKey).test(ops), () -> {
                    try {
                        beside.start();
                        beside.join(BESIDE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })));
        addresses = new IpamDriver(node.store, PluginFixture.NODE, gated);
    }

    @Test
    void twoNetworksConnectedAtOnceMakeEachEndpointAMemberOfAllThree() throws Exception {
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        String[] redJoin = new String[1];
        String greenJoin;
        Map<String, String> addressOf;
        try {
            addressOf = Map.of("blue", joined(PluginFixture.NETWORK_ID, ON_BLUE), "green", created(FakeDockerd.GREEN_ID, ON_GREEN),
                    "red", created(FakeDockerd.RED_ID, ON_RED));
            Thread other = armed(ON_GREEN, () -> redJoin[0] = call(() -> gated.join(new Protocol.Join(FakeDockerd.RED_ID, ON_RED, SANDBOX))));
            greenJoin = call(() -> gated.join(new Protocol.Join(FakeDockerd.GREEN_ID, ON_GREEN, SANDBOX)));
            ended(other);
        } finally {
            agent.interrupt();
        }
        assertEquals(List.of("ok", "ok"), List.of(greenJoin, redJoin[0]), "both connects succeed");
        // `docker network connect green C` and `... red C` at once: C's endpoints must answer from any of its addresses
        // (docs/docker.md, "A container on several networks"), or a red peer's reply to C leaves by blue and is dropped
        assertEquals(Map.of("blue", expected(addressOf, "blue", "green", "red"), "green", expected(addressOf, "green", "blue", "red"),
                        "red", expected(addressOf, "red", "blue", "green")), membership(),
                "each endpoint is a member of all three networks and may send from the other two's addresses");
    }

    @Test
    void aSiblingDeletedWhileTheContainerJoinsLeavesNoMembershipOfItsNetwork() throws Exception {
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        String redJoin;
        Map<String, String> addressOf;
        try {
            addressOf = Map.of("blue", joined(PluginFixture.NETWORK_ID, ON_BLUE), "green", joined(FakeDockerd.GREEN_ID, ON_GREEN),
                    "red", created(FakeDockerd.RED_ID, ON_RED));
            // `docker network disconnect green C` while C is connected to red
            Thread other = armed(ON_RED, () -> {
                gated.deleteEndpoint(new Protocol.EndpointRef(FakeDockerd.GREEN_ID, ON_GREEN));
                gated.awaitReleases();
            });
            redJoin = call(() -> gated.join(new Protocol.Join(FakeDockerd.RED_ID, ON_RED, SANDBOX)));
            ended(other);
            gated.awaitReleases();
        } finally {
            agent.interrupt();
        }
        // dockerd's ReleaseAddress of green's address follows: whoever takes it next must not be spoofable by C
        addresses.releaseAddress(new Protocol.ReleaseAddress("jcalico-v4", addressOf.get("green")));
        gated.awaitReleases();
        assertEquals("ok", redJoin, "the connect succeeds");
        assertEquals(Map.of("blue", expected(addressOf, "blue", "red"), "red", expected(addressOf, "red", "blue")), membership(),
                "once green is disconnected, no endpoint of the container is a member of green or may send from its address");
        Thread.sleep(1000); // a veth's removal on a thread of its own ends before the look
        String green = gated.endpointId(ON_GREEN);
        assertEquals(List.of(), left(line -> line.contains(green.substring(0, 10))).stream()
                        .filter(line -> line.contains(green.substring(0, 10)) || line.equals("address " + addressOf.get("green").replace("/32", "")))
                        .toList(), "nothing of green's endpoint is left: record, address, intent or link");
    }

    @Test
    void anAddressReleasedWhileItsEndpointIsAttachedIsNeverHeldByTwoEndpoints() throws Exception {
        Thread agent = AgentStandIn.start(node.store, PluginFixture.NODE);
        String address = addresses.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
        String[] again = new String[1];
        try {
            // docker's calls as a caller that gave up on endpoint X would send them: X's address released while X's
            // attach (begun at CreateEndpoint) is under way, then asked for again (`--ip`) and given to endpoint Y
            Thread other = armed(ON_BLUE, () -> {
                addresses.releaseAddress(new Protocol.ReleaseAddress("jcalico-v4", address));
                gated.awaitReleases();
                again[0] = call(() -> addresses.requestAddress(new Protocol.RequestAddress("jcalico-v4", address.replace("/32", ""), Map.of())));
            });
            gated.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID, ON_BLUE,
                    new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
            ended(other);
            assertEquals("ok", again[0], "the address is asked for again once released");
            gated.createEndpoint(new Protocol.CreateEndpoint(PluginFixture.NETWORK_ID, ON_GREEN,
                    new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
            gated.join(new Protocol.Join(PluginFixture.NETWORK_ID, ON_GREEN, SANDBOX));
            gated.awaitReleases();
        } finally {
            agent.interrupt();
        }
        assertEquals(List.of(gated.endpointId(ON_GREEN)), node.store.list(WorkloadEndpoint.class).stream().map(read -> read.resource())
                        .filter(endpoint -> endpoint.nets().contains(Cidr.parse(address))).map(WorkloadEndpoint::endpointId).toList(),
                "the endpoints holding " + address + " (X's " + gated.endpointId(ON_BLUE) + " was released by docker, Y's asked for after)");
    }

    /** Arms the gate at the next write of the endpoint's record; returns the thread that will run OTHER there. */
    private Thread armed(String dockerEndpoint, Runnable other) {
        beside = Thread.ofVirtual().unstarted(other);
        gatedKey = Keys.nodeKey(WorkloadEndpoint.class, PluginFixture.NODE, gated.endpointId(dockerEndpoint));
        return beside;
    }

    /** Waits until the gate has run OTHER and OTHER ended. */
    private static void ended(Thread other) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (other.getState() == Thread.State.NEW) {
            assertTrue(System.currentTimeMillis() < deadline, "the gated write never came");
            Thread.sleep(5);
        }
        other.join();
    }

    /** Each docker endpoint's network: its networks and the addresses it may send from besides its own. */
    private Map<String, String> membership() {
        Map<String, String> membership = new TreeMap<>();
        for (var read : node.store.list(WorkloadEndpoint.class)) {
            WorkloadEndpoint endpoint = read.resource();
            membership.put(endpoint.profileIds().getFirst(), new TreeSet<>(endpoint.profileIds()) + " may send from "
                    + new TreeSet<>(endpoint.allowSpoofedSourcePrefixes().stream().map(Cidr::toString).toList()));
        }
        return membership;
    }

    private static String expected(Map<String, String> addressOf, String own, String... others) {
        TreeSet<String> networks = new TreeSet<>(List.of(others));
        networks.add(own);
        return networks + " may send from " + new TreeSet<>(List.of(others).stream().map(addressOf::get).toList());
    }

    /**
     * CreateEndpoint of a new address on the network, once its attach has written the endpoint's record and ended (its
     * intent gone); returns the address.
     */
    private String created(String networkId, String dockerEndpoint) throws InterruptedException {
        String address = addresses.requestAddress(new Protocol.RequestAddress("jcalico-v4", null, Map.of())).address();
        gated.createEndpoint(new Protocol.CreateEndpoint(networkId, dockerEndpoint,
                new Protocol.EndpointInterface(address.replace("/32", "/24"), null, null), Map.of()));
        long deadline = System.currentTimeMillis() + 10_000;
        while (node.store.get(WorkloadEndpoint.class, PluginFixture.NODE, gated.endpointId(dockerEndpoint)).isEmpty()
                || left(line -> false).stream().anyMatch(line -> line.startsWith("intent "))) {
            assertTrue(System.currentTimeMillis() < deadline, "the attach begun at CreateEndpoint never ended");
            Thread.sleep(5);
        }
        return address;
    }

    private String joined(String networkId, String dockerEndpoint) throws InterruptedException {
        String address = created(networkId, dockerEndpoint);
        gated.join(new Protocol.Join(networkId, dockerEndpoint, SANDBOX));
        return address;
    }
}
