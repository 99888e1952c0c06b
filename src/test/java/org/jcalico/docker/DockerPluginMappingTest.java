package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** The pure half of the docker plugin: pools, network options, labels, gateways and errors as docker sees them. */
class DockerPluginMappingTest {
    private static final List<IpPool> POOLS = List.of(new IpPool(Cidr.parse("10.65.0.0/16"), true, 26, false),
            new IpPool(Cidr.parse("10.66.0.0/16"), true, 26, true));

    @Test
    void aSubnetMustLieInsideAnEnabledPoolAndOverlapNoOtherNetwork() {
        DockerPools any = DockerPools.choose("", null, Map.of(), false, POOLS);
        assertEquals("0.0.0.0/0", any.subnet());
        assertEquals(any, DockerPools.parse(any.id()));
        DockerPools named = DockerPools.choose("10.65.0.0/16", null, Map.of(), false, POOLS);
        assertEquals("10.65.0.0/16", named.subnet());
        assertEquals(named, DockerPools.parse(named.id()));
        String outside = assertThrows(ValidationException.class, () -> DockerPools.choose("10.99.0.0/24", null, Map.of(), false, POOLS))
                .getMessage();
        assertTrue(outside.contains("10.99.0.0/24 is not inside an enabled jcalico IP pool (enabled: 10.65.0.0/16)"), outside);
        assertThrows(ValidationException.class, () -> DockerPools.choose("10.66.0.0/16", null, Map.of(), false, POOLS),
                "a disabled pool is no pool to take from");
        DockerPools inside = DockerPools.choose("10.65.1.0/24", null, Map.of(), false, POOLS);
        assertEquals("10.65.1.0/24", inside.subnet(), "a subnet inside a pool is the network's, not widened to the pool");
        assertEquals(inside, DockerPools.parse(inside.id()));
        assertThrows(ValidationException.class, () -> DockerPools.choose("10.65.0.0/15", null, Map.of(), false, POOLS),
                "a subnet larger than the pool is not inside it");
        Map<String, List<Cidr>> others = Map.of("web", List.of(Cidr.parse("10.65.1.0/24")), "all", List.of(Cidr.parse("0.0.0.0/0")));
        DockerPools.checkOverlap(List.of(Cidr.parse("10.65.2.0/24"), Cidr.parse("::/0")), others);
        assertEquals("subnet 10.65.1.128/25 overlaps the subnet 10.65.1.0/24 of network web: give each network a subnet of its own",
                assertThrows(ValidationException.class, () -> DockerPools.checkOverlap(List.of(Cidr.parse("10.65.1.128/25")), others))
                        .getMessage());
        assertThrows(ValidationException.class, () -> DockerPools.checkOverlap(List.of(Cidr.parse("10.65.0.0/16")), others),
                "a subnet holding another network's overlaps it too");
        assertTrue(assertThrows(ValidationException.class, () -> DockerPools.choose("", null, Map.of(), true, POOLS))
                .getMessage().contains("no enabled IPv6 pool for --ipv6"));
        assertTrue(assertThrows(ValidationException.class, () -> DockerPools.choose("", "10.65.1.0/24", Map.of(), false, POOLS))
                .getMessage().contains("--ip-range"));
        assertTrue(assertThrows(ValidationException.class, () -> DockerPools.choose("", null, Map.of("k", "v"), false, POOLS))
                .getMessage().contains("unknown IPAM option k"));
    }

    @Test
    void everyNetworkOptionIsRefusedByNameAndOnlyJcalicosPoolsAreTaken() {
        List<Protocol.IpamData> ours = List.of(new Protocol.IpamData("jcalico", "0.0.0.0/0", DockerPools.gateway(4)));
        NetworkOptions.check(Map.of(NetworkOptions.ENABLE_IPV6, true, NetworkOptions.GENERIC, Map.of()), ours, List.of());
        NetworkOptions.check(Map.of("com.docker.network.internal", false), ours, List.of());
        String generic = assertThrows(ValidationException.class, () -> NetworkOptions.check(
                Map.of(NetworkOptions.GENERIC, Map.of("mtu", "1400", "foo", "1")), ours, List.of())).getMessage();
        assertTrue(generic.startsWith("unknown network options -o foo, -o mtu:"), generic);
        assertTrue(assertThrows(ValidationException.class, () -> NetworkOptions.check(
                Map.of("com.docker.network.internal", true), ours, List.of())).getMessage().contains("--internal"));
        List<Protocol.IpamData> theirs = List.of(new Protocol.IpamData("LocalDefault", "172.18.0.0/16", "172.18.0.1/16"));
        assertTrue(assertThrows(ValidationException.class, () -> NetworkOptions.check(Map.of(), theirs, List.of()))
                .getMessage().contains("--ipam-driver jcalico-ipam"));
    }

    @Test
    void aContainersEndpointsAreMembersOfAllItsNetworksAndMaySendFromAllItsAddresses() {
        WorkloadEndpoint onA = new WorkloadEndpoint("h1", "docker", "da", "ea", "jca", null, List.of(Cidr.parse("10.65.0.1/32")),
                List.of(), List.of("a"), null, null, Map.of("role", "web", "jcalico.network/a", ""), List.of());
        ContainerNetworks.Member b = new ContainerNetworks.Member("eb", "b", Map.of("role", "web", "jcalico.network/b", ""),
                List.of(Cidr.parse("10.65.0.2/32"), Cidr.parse("fd65::2/128")));
        ContainerNetworks both = new ContainerNetworks(List.of(ContainerNetworks.Member.of(onA), b));
        assertEquals(List.of("b", "a"), both.profiles(b), "its own network's profile first");
        assertEquals(Map.of("role", "web", "jcalico.network/a", "", "jcalico.network/b", ""), both.labels(b));
        assertEquals(List.of(Cidr.parse("10.65.0.1/32")), both.spoofable(b));
        WorkloadEndpoint grouped = both.apply(onA);
        assertEquals(List.of("a", "b"), grouped.profileIds());
        assertEquals(b.nets(), grouped.allowSpoofedSourcePrefixes());
        assertEquals(List.of(Cidr.parse("10.65.0.2/32")), grouped.allowSpoofedSourcePrefixes(4));
        // alone again: the membership of the others goes, its own labels stay
        WorkloadEndpoint alone = new ContainerNetworks(List.of(ContainerNetworks.Member.of(grouped))).apply(grouped);
        assertEquals(onA, alone);
    }

    @Test
    void aStoppingAgentServesThePluginWhileDockerdCallsAndNoLonger() {
        java.time.Duration now = java.time.Duration.ZERO;
        java.time.Duration longAgo = java.time.Duration.ofHours(1);
        assertFalse(PluginLinger.serveOn(now, longAgo, false), "dockerd has nothing on jcalico networks: close at once");
        assertTrue(PluginLinger.serveOn(now, longAgo, true), "dockerd has endpoints: a moment for calls under way");
        assertTrue(PluginLinger.serveOn(now, longAgo, null), "dockerd not answering (stopping itself?): a moment too");
        assertFalse(PluginLinger.serveOn(PluginLinger.QUIET, longAgo, true), "no call came meanwhile");
        assertTrue(PluginLinger.serveOn(java.time.Duration.ofSeconds(5), java.time.Duration.ofMillis(300), null), "calls come");
        assertTrue(PluginLinger.serveOn(java.time.Duration.ofSeconds(1), java.time.Duration.ofMillis(300), false),
                "a call just came: its next ones (ReleaseAddress after DeleteEndpoint) too");
        assertFalse(PluginLinger.serveOn(PluginLinger.LONGEST, java.time.Duration.ZERO, true), "never longer than that");
    }

    @Test
    void onlyJcalicoLabelsOfTheContainerBecomeTheEndpointsLabels() {
        assertEquals(Map.of("role", "web", "example.com/tier", "1"), NetworkDriver.endpointLabels(Map.of(
                "jcalico.label.role", "web", "jcalico.label.example.com/tier", "1", "jcalico.label.", "x", "maintainer", "me")));
    }

    @Test
    void aContainerLabelJcalicoWouldRefuseRefusesTheContainerNamingIt() {
        assertEquals(Map.of("role", "web"), NetworkDriver.checked(Map.of("role", "web")));
        ValidationException value = assertThrows(ValidationException.class,
                () -> NetworkDriver.checked(Map.of("role", "web", "quarantine", "yes please")));
        assertTrue(value.getMessage().startsWith("container label jcalico.label.quarantine=yes please is refused: "), value.getMessage());
        ValidationException reserved = assertThrows(ValidationException.class,
                () -> NetworkDriver.checked(Map.of("projectcalico.org/namespace", "kube-system")));
        assertTrue(reserved.getMessage().contains("is reserved"), reserved.getMessage());
    }

    @Test
    void eachEndpointHasALinkLocalGatewayOfItsOwn() {
        String one = NetworkDriver.gatewayV4("50b8b2f035bee2de");
        assertTrue(one.matches("169\\.254\\.([1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-4])\\.([1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-4])"), one);
        assertEquals(one, NetworkDriver.gatewayV4("50b8b2f035bee2de"));
        assertNotEquals(one, NetworkDriver.gatewayV4("c81a341df420b6aa"));
    }

    @Test
    void aRefusalIsOneLineUnderBothKeysDockerReads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path logs) {
        DockerPlugin plugin = new DockerPlugin(null, null, org.jcalico.log.Log.open(logs.resolve("felix.log"), false, "info"));
        String activate = new String(plugin.answer("/Plugin.Activate", new byte[0]), StandardCharsets.UTF_8);
        assertEquals("{\"Implements\":[\"NetworkDriver\",\"IpamDriver\"]}", activate);
        assertNull(plugin.answer("/NoSuch.Call", new byte[0]));
        assertTrue(DockerPlugin.message(new ValidationException("a\nb")).matches("jcalico: a[^\n]+b"), "one line");
        assertEquals("{\"Err\":\"x\",\"Error\":\"x\"}", new String(json(new Protocol.Failure("x")), StandardCharsets.UTF_8));
    }

    /**
     * dockerd's plugin client sends a call again with an empty body when the connection broke under it (seen after the
     * agent was killed -9 between CreateEndpoint and Join): a missing id is one clear refusal, not an internal error.
     */
    @Test
    void aCallWithoutItsIdsIsRefusedNamingTheField(@org.junit.jupiter.api.io.TempDir java.nio.file.Path logs) {
        org.jcalico.log.Log log = org.jcalico.log.Log.open(logs.resolve("felix.log"), false, "info");
        DockerPlugin plugin = new DockerPlugin(new NetworkDriver(null, null, "h1", log), null, log);
        for (String call : List.of("Join", "CreateEndpoint", "DeleteEndpoint")) {
            String answer = new String(plugin.answer("/NetworkDriver." + call, new byte[0]), StandardCharsets.UTF_8);
            assertTrue(answer.matches("\\{\"Err\":\"jcalico: malformed \\w+ request: (Network|Endpoint)ID is missing\",.*"), answer);
        }
    }

    /**
     * A refusal names the caller's input that was wrong, but in one line of bounded length whatever the caller sent:
     * 40,000 unknown options (a-dock saw one line of 600 KB), a label value of a megabyte, a value holding an escape
     * sequence (written out, so that it cannot act on the terminal that shows docker's error).
     */
    @Test
    void aRefusalNamesTheCallersInputInOneShortLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        org.jcalico.log.Log log = org.jcalico.log.Log.open(dir.resolve("felix.log"), false, "info");
        try (org.jcalico.datastore.Datastore datastore = org.jcalico.datastore.Datastores.open("embedded:" + dir.resolve("store.db"))) {
            org.jcalico.datastore.ResourceStore store = new org.jcalico.datastore.ResourceStore(datastore);
            new org.jcalico.ipam.Pools(store).add(new IpPool(Cidr.parse("10.67.0.0/24"), false, null, false));
            NetworkDriver network = new NetworkDriver(null, null, "h1", log);
            DockerPlugin plugin = new DockerPlugin(network, new IpamDriver(store, "h1", network), log);
            Map<String, String> options = new java.util.TreeMap<>();
            for (int i = 0; i < 40_000; i++) {
                options.put(String.format("opt%05d", i), "v");
            }
            String pool = answer(plugin, "/IpamDriver.RequestPool", Map.of("AddressSpace", "jcalico", "Pool", "",
                    "Options", options, "V6", false));
            assertTrue(pool.length() < 600 && pool.contains("unknown IPAM options opt00000, opt00001, opt00002, opt00003,"
                    + " opt00004 and 39995 more: jcalico-ipam takes none"), pool.length() + ": " + pool.substring(0, Math.min(600, pool.length())));
            String network40k = answer(plugin, "/NetworkDriver.CreateNetwork", Map.of("NetworkID", "n".repeat(64),
                    "Options", Map.of(NetworkOptions.GENERIC, options)));
            assertTrue(network40k.length() < 600 && network40k.contains("unknown network options -o opt00000, -o opt00001,"),
                    network40k.length() + ": " + network40k.substring(0, Math.min(600, network40k.length())));
            String gateway = answer(plugin, "/IpamDriver.RequestAddress", Map.of("PoolID", "jcalico-v4",
                    "Address", "\u001b[2J" + "1".repeat(1_000_000), "Options", Map.of("RequestAddressType", "com.docker.network.gateway")));
            assertTrue(gateway.length() < 600 && gateway.contains("--gateway \\\\x1b[2J1111") && gateway.contains("more characters"),
                    gateway.length() + ": " + gateway.substring(0, Math.min(600, gateway.length())));
        }
        String label = assertThrows(ValidationException.class, () -> NetworkDriver.checked(Map.of("note", "a b".repeat(300_000))))
                .getMessage();
        assertTrue(label.length() < 600 && label.startsWith("container label jcalico.label.note=a ba ba b"), label.length()
                + ": " + label.substring(0, Math.min(600, label.length())));
    }

    /**
     * A Join whose CreateEndpoint came before the agent restarted cannot be answered; the refusal says what to do again
     * as fits what the caller did: a container being started (docker run, docker start: dockerd lists it on the
     * network with no endpoint yet) is started again, a running container being connected is connected again.
     */
    @Test
    void aJoinRefusedAfterARestartAdvisesWhatFitsTheCaller(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        org.jcalico.log.Log log = org.jcalico.log.Log.open(dir.resolve("felix.log"), false, "info");
        Map<String, String> join = Map.of("NetworkID", "n".repeat(64), "EndpointID", "e".repeat(64), "SandboxKey", "/var/run/docker/netns/x");
        java.nio.file.Path socket = dir.resolve("docker.sock");
        try (FakeDockerd dockerd = FakeDockerd.serve(socket, "n".repeat(64), () -> { })) {
            DockerPlugin plugin = new DockerPlugin(new NetworkDriver(null, new org.jcalico.workload.DockerClient(socket), "h1", log), null, log);
            String run = answer(plugin, "/NetworkDriver.Join", join);
            assertTrue(run.contains("was created before this agent started: start the container again ('docker start cccccccccccc')"), run);
        }
        java.nio.file.Files.delete(socket);
        try (FakeDockerd dockerd = FakeDockerd.serve(socket, "n".repeat(64), () -> { }, "[]")) {
            DockerPlugin plugin = new DockerPlugin(new NetworkDriver(null, new org.jcalico.workload.DockerClient(socket), "h1", log), null, log);
            String connect = answer(plugin, "/NetworkDriver.Join", join);
            assertTrue(connect.contains("was created before this agent started: connect the container again"
                    + " ('docker network connect blue CONTAINER')"), connect);
        }
    }

    private static String answer(DockerPlugin plugin, String call, Object body) {
        return new String(plugin.answer(call, json(body)), StandardCharsets.UTF_8);
    }

    private static byte[] json(Object value) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
