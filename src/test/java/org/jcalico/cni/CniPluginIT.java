package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.lab.Probe;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.testing.Connectivity;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * jcalico-cni called exactly as a runtime calls a CNI plugin: the executable `cni install` wrote, run in the host's
 * namespace with a clean environment of CNI_* variables and the network configuration on standard input, against a
 * lab host with its real agent and datastore. Every verb, and every error path the specification names.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CniPluginIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NETWORK = "jcc1net";
    private static LabFixture fixture;
    private static Path bin;
    private static Path conf;
    private static String config;
    /** Order 1's two containers on the network, held for the cases after it. */
    private static IpAddress addressA;
    private static IpAddress addressB;

    private record Reply(int status, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("not JSON: '" + stdout + "' (stderr: " + stderr + ")");
            }
        }

        Reply ok() {
            assertEquals(0, status, "the plugin failed: " + stdout + stderr);
            return this;
        }

        /** Failed with the specification's error object carrying this code. */
        JsonNode failed(int code) {
            assertEquals(1, status, "exit status; stdout " + stdout + ", stderr " + stderr);
            JsonNode error = json();
            assertEquals(code, error.path("code").asInt(), "code: " + stdout);
            assertFalse(error.path("msg").asText().isEmpty(), stdout);
            return error;
        }
    }

    @BeforeAll
    static void lab() throws IOException {
        fixture = LabFixture.up("jcc1", 1, false);
        bin = fixture.layout().stateDir().resolve("cni-bin");
        conf = fixture.layout().stateDir().resolve("cni-conf");
        fixture.jc("h1", "cni", "install", "--bin-dir", bin.toString(), "--conf-dir", conf.toString(),
                "--network", NETWORK, "--cni-version", "1.1.0");
        config = Files.readString(conf.resolve("10-" + NETWORK + ".conflist"));
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** The plugin configuration a runtime derives from the conflist: its one plugin with cniVersion and name. */
    private static String pluginConfig(String version) throws IOException {
        JsonNode list = JSON.readTree(config);
        var plugin = (com.fasterxml.jackson.databind.node.ObjectNode) list.path("plugins").get(0).deepCopy();
        plugin.put("cniVersion", version).put("name", list.path("name").asText());
        return plugin.toString();
    }

    private static Reply cni(String verb, String containerId, String netns, String stdin, String... extra) {
        List<String> command = new ArrayList<>(List.of("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                "CNI_COMMAND=" + verb, "CNI_PATH=" + bin + ":/usr/lib/cni"));
        if (containerId != null) {
            command.addAll(List.of("CNI_CONTAINERID=" + containerId, "CNI_IFNAME=eth0"));
        }
        if (netns != null) {
            command.add("CNI_NETNS=" + netns);
        }
        command.addAll(List.of(extra));
        command.add(bin.resolve("jcalico-cni").toString());
        CommandRunner.Result result = CommandRunner.inNamespace(fixture.layout().host(1)).run(command, stdin);
        return new Reply(result.exitCode(), result.stdout(), result.stderr());
    }

    private static String netns(String name) {
        return "/run/netns/" + fixture.lab().workload(name);
    }

    /** The endpoint records, read from the lab's datastore as they are (a JVM per read would cost seconds). */
    private static String endpoints() {
        return read(org.jcalico.model.WorkloadEndpoint.class);
    }

    private static String read(Class<? extends org.jcalico.model.Resource> kind) {
        try (var datastore = fixture.layout().datastoreUrl().open(org.jcalico.datastore.OpenMode.READ)) {
            return new org.jcalico.datastore.ResourceStore(datastore).list(kind)
                    .stream().map(read -> read.resource().toString()).sorted().toList().toString();
        }
    }

    /** The IPAM blocks with their allocations' handles. */
    private static String blocks() {
        return read(org.jcalico.model.IpamBlock.class);
    }

    private static long agentServed(String verb) throws IOException {
        Path log = fixture.layout().logDir().resolve(fixture.layout().nodeName(1)).resolve("felix.log");
        return Files.readAllLines(log).stream().filter(line -> line.contains("ran CNI " + verb + " ")).count();
    }

    @Test
    @Order(1)
    void addGivesEachVersionItsResultAndTrafficFlowsBetweenTwoAddedContainers() throws IOException {
        long servedBefore = agentServed("ADD");
        String a = netns("a");
        JsonNode result = cni("ADD", "jcc1-a", a, pluginConfig("1.0.0")).ok().json();
        assertEquals("1.0.0", result.path("cniVersion").asText());
        assertEquals("eth0", result.path("interfaces").get(1).path("name").asText());
        assertEquals(a, result.path("interfaces").get(1).path("sandbox").asText());
        assertTrue(result.path("interfaces").get(0).path("sandbox").isMissingNode(), "the host side has no sandbox");
        JsonNode v4 = result.path("ips").get(0);
        assertEquals(1, v4.path("interface").asInt());
        assertEquals("169.254.1.1", v4.path("gateway").asText());
        assertTrue(v4.path("version").isMissingNode(), "1.0.0 dropped the family: " + v4);
        addressA = IpAddress.parse(v4.path("address").asText().replace("/32", ""));
        assertTrue(fixture.layout().fixedRange(4, 1).contains(addressA), "from the node's block: " + v4);
        assertEquals("0.0.0.0/0", result.path("routes").get(0).path("dst").asText());
        assertTrue(result.path("dns").isObject());
        assertEquals(servedBefore + 1, agentServed("ADD"), "the node's agent served it (the fast path)");

        String b = netns("b");
        JsonNode old = cni("ADD", "jcc1-b", b, pluginConfig("0.4.0")).ok().json();
        assertEquals("0.4.0", old.path("cniVersion").asText());
        assertEquals("4", old.path("ips").get(0).path("version").asText(), "0.4.0's IPs name their family: " + old);
        assertEquals("6", old.path("ips").get(1).path("version").asText());
        addressB = IpAddress.parse(old.path("ips").get(0).path("address").asText().replace("/32", ""));
        IpAddress v6B = IpAddress.parse(old.path("ips").get(1).path("address").asText().replace("/128", ""));

        // chained after another plugin: its result handed on with jcalico's added; the configuration's DNS given back
        var chained = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(pluginConfig("1.0.0"));
        chained.set("prevResult", JSON.readTree("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"tap0\"}],"
                + "\"ips\":[{\"address\":\"192.0.2.7/24\",\"interface\":0}]}"));
        chained.putObject("dns").putArray("nameservers").add("192.0.2.53");
        JsonNode merged = cni("ADD", "jcc1-c", netns("c"), chained.toString()).ok().json();
        assertEquals("tap0", merged.path("interfaces").get(0).path("name").asText(), merged.toString());
        assertEquals("eth0", merged.path("interfaces").get(2).path("name").asText(), merged.toString());
        assertEquals("192.0.2.7/24", merged.path("ips").get(0).path("address").asText());
        assertEquals(2, merged.path("ips").get(1).path("interface").asInt(), "jcalico's IPs point at its interface");
        assertEquals("192.0.2.53", merged.path("dns").path("nameservers").get(0).asText());

        // programmed before ADD returned: the first packets pass
        Connectivity.assertMatrix(List.of(Probe.ping(fixture.layout().workload("a"), addressB),
                Probe.ping(fixture.layout().workload("b"), addressA), Probe.ping(fixture.layout().workload("a"), v6B)),
                List.of(true, true, true));
        assertTrue(endpoints().contains("orchestrator=cni") && endpoints().contains(Identity.NETWORK_LABEL + "=" + NETWORK),
                endpoints());
    }

    /**
     * The node's agent moved to the other dataplane driver (a FelixConfiguration of its node) with ADD's containers in
     * place: they keep what their network allows and are refused by another profile's container both ways, on each
     * driver; every case after this one (a second ADD, DEL, CHECK, GC, another IPAM plugin's ADD, its first packet and
     * DEL, delegated IPAM, STATUS, GC with the agent down) runs on that driver, ADD's first packets on the first, so the
     * class covers the CNI path on both in one lab (the suite's: ADD on iptables, the rest on nftables).
     */
    @Test
    @Order(2)
    void addedContainersKeepTheirPolicyWhenTheNodeMovesToTheOtherDriver() {
        IpAddress outsider = fixture.addWorkload("h1", "s", "jcc1other");
        List<Probe> probes = List.of(Probe.ping(fixture.layout().workload("a"), addressB),
                Probe.ping(fixture.layout().workload("a"), outsider), Probe.ping(fixture.layout().workload("s"), addressA));
        Connectivity.assertMatrix(probes, List.of(true, false, false));
        fixture.useDriver(1, LabFixture.otherDriver());
        Connectivity.assertMatrix(probes, List.of(true, false, false));
    }

    @Test
    @Order(3)
    void aSecondAddForTheSameContainerFailsAndLeavesTheFirst() throws IOException {
        String before = endpoints();
        JsonNode error = cni("ADD", "jcc1-a", "/run/netns/" + fixture.layout().workload("a"), pluginConfig("1.1.0"))
                .failed(CniError.ATTACHMENT_FAILED);
        assertTrue(error.path("details").asText().contains("already has an endpoint"), error.toString());
        assertEquals("1.1.0", error.path("cniVersion").asText());
        assertEquals(before, endpoints(), "nothing changed");
    }

    @Test
    @Order(4)
    void delIsIdempotentWithoutAddTwiceAndAfterTheNamespaceIsGone() throws IOException {
        assertEquals("", cni("DEL", "jcc1-never", null, pluginConfig("1.0.0")).ok().stdout(), "DEL without ADD");

        String d = netns("d");
        JsonNode added = cni("ADD", "jcc1-d", d, pluginConfig("1.0.0")).ok().json();
        String hostSide = added.path("interfaces").get(0).path("name").asText();
        String endpointId = org.jcalico.workload.ContainerService.endpointId(fixture.layout().nodeName(1), "jcc1-d", "eth0");
        assertTrue(blocks().contains(endpointId), "its addresses are held for it");
        Namespaces.delete(fixture.layout().workload("d"));
        cni("DEL", "jcc1-d", d, pluginConfig("1.0.0")).ok();
        assertFalse(CommandRunner.inNamespace(fixture.layout().host(1)).run("ip", "link", "show", "dev", hostSide).ok(),
                "the host side is gone");
        assertTrue(Eventually.within(10, () -> !fixture.filterState(fixture.layout().host(1)).contains(hostSide)),
                "no rule, set or map element of either driver names " + hostSide);
        assertFalse(endpoints().contains("jcc1-d"), "the endpoint is gone");
        assertFalse(blocks().contains(endpointId), "its addresses are released");
        cni("DEL", "jcc1-d", d, pluginConfig("1.0.0")).ok();
    }

    @Test
    @Order(5)
    void checkPassesWhileProgrammedAndFailsOnceTheVethWasDeletedByHand() throws IOException {
        String e = netns("e");
        String config = pluginConfig("1.1.0");
        JsonNode added = cni("ADD", "jcc1-e", e, config).ok().json();
        var withResult = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(config);
        withResult.set("prevResult", added);
        assertEquals("", cni("CHECK", "jcc1-e", e, withResult.toString()).ok().stdout());
        String hostSide = added.path("interfaces").get(0).path("name").asText();
        CommandRunner.inNamespace(fixture.layout().host(1)).run("ip", "link", "del", "dev", hostSide).check();
        JsonNode error = cni("CHECK", "jcc1-e", e, withResult.toString()).failed(CniError.NOT_AS_RECORDED);
        assertTrue(error.path("details").asText().contains(hostSide), error.toString());
        cni("DEL", "jcc1-e", e, config).ok();
    }

    @Test
    @Order(6)
    void gcDetachesThisNetworksAttachmentsMissingFromTheValidList() throws IOException {
        String other = fixture.lab().workload("other");
        fixture.jc("h1", "container", "add", "netns:" + other, "--profile", "jcc1other");
        cni("ADD", "jcc1-f", netns("f"), pluginConfig("1.1.0")).ok();
        cni("ADD", "jcc1-g", netns("g"), pluginConfig("1.1.0")).ok();
        var gc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(pluginConfig("1.1.0"));
        var valid = gc.putArray("cni.dev/valid-attachments");
        for (String id : List.of("jcc1-a", "jcc1-b", "jcc1-f")) {
            valid.addObject().put("containerID", id).put("ifname", "eth0");
        }
        assertEquals("", cni("GC", null, null, gc.toString()).ok().stdout());
        String left = endpoints();
        for (String kept : List.of("jcc1-a", "jcc1-b", "jcc1-f", "netns:" + other)) {
            assertTrue(left.contains(kept), kept + " is kept: " + left);
        }
        assertFalse(left.contains("jcc1-g"), "jcc1-g is collected: " + left);
    }

    @Test
    @Order(7)
    void badInputIsTheSpecificationsErrorAndChangesNothing() throws IOException {
        String before = endpoints();
        String h = netns("h");
        JsonNode undecodable = cni("ADD", "jcc1-h", h, "{\"cniVersion\": \"1.0.0\", \"name\": ").failed(CniError.DECODING_FAILURE);
        assertEquals("1.0.0", undecodable.path("cniVersion").asText(), "answered in the version its text names");
        JsonNode version = cni("ADD", "jcc1-h", h, pluginConfig("0.3.1")).failed(CniError.INCOMPATIBLE_VERSION);
        assertTrue(version.path("details").asText().contains("0.3.1"), version.toString());
        cni("ADD", "jcc1-h", h, pluginConfig("1.0.0"), "CNI_ARGS=NOSUCHKEY=1").failed(CniError.INVALID_ENVIRONMENT);
        cni("ADD", "jcc1 h", h, pluginConfig("1.0.0")).failed(CniError.INVALID_ENVIRONMENT);
        cni("GC", null, null, pluginConfig("1.0.0")).failed(CniError.INCOMPATIBLE_VERSION);
        var relativeLogs = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(pluginConfig("1.0.0"));
        relativeLogs.put("log_dir", "logs");
        assertEquals("log_dir: 'logs' is not an absolute path",
                cni("ADD", "jcc1-h", h, relativeLogs.toString()).failed(CniError.INVALID_CONFIG).path("details").asText());
        assertEquals(before, endpoints(), "nothing changed");
        assertFalse(fixture.in(fixture.layout().workload("h"), "ip", "link", "show", "dev", "eth0").ok(),
                "the container got no interface");
        JsonNode versions = cni("VERSION", null, null, "{\"cniVersion\":\"1.1.0\"}").ok().json();
        assertEquals(List.of("0.4.0", "1.0.0", "1.1.0"), JSON.convertValue(versions.path("supportedVersions"), List.class));
    }

    @Test
    @Order(8)
    void anotherIpamPluginGivesTheAddressesWhenConfigured() throws IOException {
        var hostLocal = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(pluginConfig("1.0.0"));
        // its own network, and the same profile as the first, so that its containers may reach each other
        hostLocal.put("name", "jcc1local");
        hostLocal.putArray("profiles").add(NETWORK);
        hostLocal.putObject("ipam").put("type", "host-local").put("dataDir", fixture.layout().stateDir().resolve("host-local").toString())
                .putArray("ranges").addArray().addObject().put("subnet", "10.65.1.0/24")
                .put("rangeStart", "10.65.1.200").put("rangeEnd", "10.65.1.209");
        String i = netns("i");
        JsonNode result = cni("ADD", "jcc1-i", i, hostLocal.toString()).ok().json();
        assertEquals(1, result.path("ips").size(), result.toString());
        IpAddress address = IpAddress.parse(result.path("ips").get(0).path("address").asText().replace("/32", ""));
        assertTrue(Cidr.parse("10.65.1.200/29").contains(address) || address.toString().startsWith("10.65.1.20"),
                "host-local's range: " + result);
        Connectivity.assertMatrix(List.of(Probe.ping(fixture.layout().workload("i"),
                IpAddress.parse(cni("ADD", "jcc1-j", netns("j"), pluginConfig("1.0.0")).ok().json()
                        .path("ips").get(0).path("address").asText().replace("/32", "")))), List.of(true));
        Path leases = fixture.layout().stateDir().resolve("host-local").resolve("jcc1local");
        assertTrue(Files.exists(leases.resolve(address.toString())), "host-local holds it");
        cni("ADD", "jcc1-i", i, hostLocal.toString()).failed(CniError.ATTACHMENT_FAILED);
        assertTrue(Files.exists(leases.resolve(address.toString())), "a second ADD leaves the first's lease");
        cni("DEL", "jcc1-i", i, hostLocal.toString()).ok();
        assertFalse(Files.exists(leases.resolve(address.toString())), "DEL released it in host-local too");

        // a range outside jcalico's pools: host-local gives an address that jcalico cannot route; its lease is undone
        ((com.fasterxml.jackson.databind.node.ObjectNode) hostLocal.path("ipam").path("ranges").get(0).get(0))
                .put("subnet", "192.0.2.0/24").put("rangeStart", "192.0.2.10").put("rangeEnd", "192.0.2.19");
        JsonNode error = cni("ADD", "jcc1-l", netns("l"), hostLocal.toString()).failed(CniError.ATTACHMENT_FAILED);
        assertTrue(error.path("details").asText().contains("not in any enabled IP pool"), error.toString());
        try (var leftovers = Files.list(leases)) {
            assertTrue(leftovers.noneMatch(file -> file.getFileName().toString().startsWith("192.0.2.")),
                    "host-local's lease was released again");
        }
        assertFalse(fixture.in(fixture.layout().workload("l"), "ip", "link", "show", "dev", "eth0").ok(), "no interface made");
    }

    /** jcalico-ipam as another plugin (bridge, ptp ...) calls it: jcalico's settings in its ipam section. */
    @Test
    @Order(9)
    void jcalicoIpamServesPluginsThatDelegateToIt() throws IOException {
        JsonNode own = JSON.readTree(pluginConfig("1.1.0"));
        var delegating = JSON.createObjectNode().put("cniVersion", "1.1.0").put("name", "jcc1ipam").put("type", "ptp");
        delegating.putObject("ipam").put("type", "jcalico-ipam").put("datastore", own.path("datastore").asText())
                .put("nodename", own.path("nodename").asText()).put("run_dir", own.path("run_dir").asText())
                .putArray("pools").add("10.65.0.0/16");
        long served = agentServed("IPAM ADD");
        JsonNode result = ipam("ADD", "jcc1-k", delegating.toString()).ok().json();
        assertEquals(served + 1, agentServed("IPAM ADD"), "the node's agent served it");
        assertEquals(1, result.path("ips").size(), "from the IPv4 pool named alone: " + result);
        assertTrue(result.path("interfaces").isMissingNode() && result.path("ips").get(0).path("interface").isMissingNode(),
                "an IPAM plugin's abbreviated result: " + result);
        String address = result.path("ips").get(0).path("address").asText().replace("/32", "");
        assertTrue(blocks().contains("cni:" + own.path("nodename").asText() + ":jcc1ipam:jcc1-k:eth0"), blocks());
        delegating.set("prevResult", result);
        ipam("CHECK", "jcc1-k", delegating.toString()).ok();
        ipam("ADD", "jcc1-k", delegating.toString()).failed(CniError.ATTACHMENT_FAILED);
        delegating.remove("prevResult");
        delegating.putArray("cni.dev/valid-attachments");
        ipam("GC", null, delegating.toString()).ok();
        assertFalse(blocks().contains("jcc1-k"), "GC released " + address);
        ipam("DEL", "jcc1-k", delegating.toString()).ok();
    }

    private static Reply ipam(String verb, String containerId, String stdin) {
        List<String> command = new ArrayList<>(List.of("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                "CNI_COMMAND=" + verb, "CNI_PATH=" + bin));
        if (containerId != null) {
            command.addAll(List.of("CNI_CONTAINERID=" + containerId, "CNI_IFNAME=eth0", "CNI_NETNS=/run/netns/jcc1-none"));
        }
        command.add(bin.resolve("jcalico-ipam").toString());
        CommandRunner.Result result = CommandRunner.inNamespace(fixture.layout().host(1)).run(command, stdin);
        return new Reply(result.exitCode(), result.stdout(), result.stderr());
    }

    @Test
    @Order(10)
    void statusIsCode50OnceTheAgentIsStopped() throws IOException {
        long served = agentServed("STATUS");
        assertEquals("", cni("STATUS", null, null, pluginConfig("1.1.0")).ok().stdout());
        assertEquals(served + 1, agentServed("STATUS"));
        var elsewhere = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(pluginConfig("1.1.0"));
        elsewhere.put("nodename", "jcc1-elsewhere");
        JsonNode declined = cni("STATUS", null, null, elsewhere.toString()).failed(CniError.NOT_AVAILABLE);
        assertTrue(declined.path("details").asText().contains("jcc1-elsewhere"), "the plugin's own JVM answered: " + declined);
        assertEquals(served + 1, agentServed("STATUS"), "the agent declined another node's request");
        fixture.jc("h1", "node", "stop");
        JsonNode error = cni("STATUS", null, null, pluginConfig("1.1.0")).failed(CniError.NOT_AVAILABLE);
        assertTrue(error.path("details").asText().contains("not running"), error.toString());
        assertEquals(List.of("ran CNI STATUS for container -: exit status 1"), ownJvmCalls(),
                "the plugin's own JVM logged its call under the lab's log directory");
    }

    /**
     * GC over stale attachments while the agent that would unprogram them is down: each detach waited up to 5 s for its
     * endpoint's status to go, one after another, so a GC's time grew with the attachments it collects (six: 30 s). The
     * wait is one for them all: the GC returns within one wait, every stale attachment detached.
     */
    @Test
    @Order(11)
    void gcWaitsOnceForTheAgentWhateverTheNumberOfStaleAttachments() throws IOException {
        fixture.lab().startAgent(1);
        for (String id : List.of("jcc1-x", "jcc1-y", "jcc1-z")) {
            cni("ADD", id, netns(id.substring(5)), pluginConfig("1.1.0")).ok();
        }
        fixture.jc("h1", "node", "stop");
        String before = endpoints();
        long stale = List.of("jcc1-a", "jcc1-b", "jcc1-f", "jcc1-x", "jcc1-y", "jcc1-z").stream().filter(before::contains).count();
        assertTrue(stale >= 4, "stale attachments to collect: " + before);
        var gc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(pluginConfig("1.1.0"));
        gc.putArray("cni.dev/valid-attachments");
        long start = System.nanoTime();
        cni("GC", null, null, gc.toString()).ok();
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        String left = endpoints();
        for (String id : List.of("jcc1-a", "jcc1-b", "jcc1-f", "jcc1-x", "jcc1-y", "jcc1-z")) {
            assertFalse(left.contains(id), id + " is collected: " + left);
        }
        // One 5 s wait for them all; the waits one after another took 5 s each, so a bound of their sum still tells the
        // two apart on a machine loaded enough to stretch the one wait and the plugin's JVM (CI at load 26: 12 s).
        assertTrue(seconds < 5L * stale, "GC of " + stale + " stale attachments with the agent down took " + seconds
                + " s, as long as " + stale + " waits of 5 s one after another");
    }

    /**
     * `cni install` by `lab exec` names the lab's log directory (its --log-dir's default is $JCALICO_LOG_DIR), as
     * the node's agent has it; the plugin's own JVM logs there (see statusIsCode50OnceTheAgentIsStopped).
     */
    @Test
    @Order(0)
    void theConflistNamesTheLabsLogDirectory() throws IOException {
        JsonNode plugin = JSON.readTree(config).path("plugins").get(0);
        assertEquals(fixture.layout().logDir().toString(), plugin.path("log_dir").asText(), config);
        assertEquals(List.of(), ownJvmCalls(), "the agent served every call so far");
    }

    /** The lines of h1's cni.log without their time and level. */
    private static List<String> ownJvmCalls() throws IOException {
        Path log = fixture.layout().logDir().resolve(fixture.layout().nodeName(1)).resolve("cni.log");
        return Files.notExists(log) ? List.of()
                : Files.readAllLines(log).stream().map(line -> line.replaceAll("^\\S+ \\S+ +", "").replaceAll(" in \\d+ ms$", "")).toList();
    }
}
