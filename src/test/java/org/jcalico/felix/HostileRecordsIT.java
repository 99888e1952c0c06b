package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.jcalico.datastore.Keys;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Probe;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a record no jcalico wrote does to an agent (docs/datastore.md, "Session 48 (a-rec)"): on a lab of real hosts
 * whose datastore is a real 3-member etcd, records are put as `etcdctl put` would, over etcd's own gateway from a
 * host of the lab, never through jcalico. The agent may program only what it could read, never more permissive than
 * that, and its status names the key it could not read.
 */
@Tag("kernel")
class HostileRecordsIT {
    private static LabFixture fixture;
    private static IpAddress w1;

    @BeforeAll
    static void up() {
        fixture = LabFixture.upOnEtcd("rec", 1);
        fixture.jc("h1", "pool", "add", "10.67.0.0/16");
        fixture.jc("h1", "profile", "add", "web");
        fixture.jc("h1", "profile", "rule", "add", "web", "inbound", "allow");
        w1 = fixture.addWorkload("h1", "w1", "web");
        fixture.addWorkload("h1", "w2", "web");
        assertTrue(Probe.ping(ns("w2"), w1).succeeds(), "web lets everyone in");
    }

    @AfterAll
    static void down() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /**
     * A Deny in force whose record is then overwritten by something the agent cannot read (JSON cut short, a selector
     * that does not parse, a record of another kind under the policy's key): the Deny holds, and `node status` exits
     * non-zero naming the key. Old code: the agent logged "ignoring unreadable KEY" at WARN, dropped the policy (its
     * Deny with it) and said "in sync".
     */
    @Test
    void aDenyWhoseRecordTurnsUnreadableHolds() {
        String key = Keys.keyOf(GlobalNetworkPolicy.class, "quarantine");
        for (String unreadable : new String[] {
                "{\"kind\":\"GlobalNetworkPolicy\",\"metadata\":{\"name\":\"quar",
                "{\"kind\":\"GlobalNetworkPolicy\",\"metadata\":{\"name\":\"quarantine\"},\"spec\":{\"selector\":\"all(\"}}",
                "{\"kind\":\"Profile\",\"name\":\"quarantine\",\"inbound\":[{\"action\":\"allow\"}]}"}) {
            fixture.apply("h1", """
                    kind: GlobalNetworkPolicy
                    metadata: {name: quarantine}
                    spec:
                      selector: all()
                      types: [Ingress]
                      ingress: [{action: Deny}]
                    """);
            assertTrue(Eventually.within(20, () -> !Probe.ping(ns("w2"), w1).succeeds()), "the Deny is in force");

            put(key, unreadable);
            assertFalse(Eventually.within(5, () -> Probe.ping(ns("w2"), w1).succeeds()),
                    "the Deny holds while its record is unreadable: " + unreadable);
            assertTrue(Eventually.within(20, () -> nodeStatus().stdout().contains(key)), nodeStatus().stdout());
            assertFalse(nodeStatus().ok(), nodeStatus().stdout());

            etcd("deleterange", "{\"key\":\"" + base64(key) + "\"}");
            assertTrue(Eventually.within(20, () -> Probe.ping(ns("w2"), w1).succeeds() && nodeStatus().ok()),
                    "the record removed, nothing is left of it: " + nodeStatus().stdout());
        }
    }

    /**
     * A policy's record of which the agent never read a version (put so, or so when the agent starts): what it would
     * select is not known, so every local endpoint it could apply to is dropped both ways and fails, saying why; a
     * namespaced policy's record costs only its namespace's endpoints. Old code: it was left out, w1 stayed open and
     * the agent said "in sync".
     */
    @Test
    void aPolicyRecordNeverReadableDropsTheEndpointsItCouldApplyTo() {
        String elsewhere = Keys.keyOf(NetworkPolicy.class, "other/guard");
        put(elsewhere, "{\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"guard\",\"namespace\":\"other\"},"
                + "\"spec\":{\"selector\":\"app in {\"}}");
        assertTrue(Eventually.within(20, () -> nodeStatus().stdout().contains(elsewhere)), nodeStatus().stdout());
        assertTrue(Probe.ping(ns("w2"), w1).succeeds(), "a policy of namespace 'other' cannot apply to w1");

        String key = Keys.keyOf(GlobalNetworkPolicy.class, "lockdown");
        put(key, "{\"kind\":\"GlobalNetworkPolicy\",\"metadata\":{\"name\":\"lockdown\"},"
                + "\"spec\":{\"selector\":\"quarantine == 'yes\",\"ingress\":[{\"action\":\"Deny\"}]}}");
        assertTrue(Eventually.within(20, () -> !Probe.ping(ns("w2"), w1).succeeds()),
                "w1 is dropped while a policy that may apply to it cannot be read");
        assertTrue(Eventually.within(20, () -> fixture.jc("h1", "container", "list").contains("failed")),
                fixture.jc("h1", "container", "list"));
        CommandRunner.Result refused = fixture.run("h1", "container", "add", "netns:" + fixture.lab().workload("w3"),
                "--profile", "web");
        assertFalse(refused.ok(), "an endpoint added meanwhile is dropped too, and its add says so");
        assertTrue(refused.stderr().contains(key), refused.stderr());
        assertFalse(nodeStatus().ok(), nodeStatus().stdout());

        etcd("deleterange", "{\"key\":\"" + base64(key) + "\"}");
        etcd("deleterange", "{\"key\":\"" + base64(elsewhere) + "\"}");
        assertTrue(Eventually.within(20, () -> Probe.ping(ns("w2"), w1).succeeds() && nodeStatus().ok()),
                "the records removed, nothing is left of them: " + nodeStatus().stdout());
    }

    /**
     * An endpoint record naming this node whose interface is the host's uplink (eth0, holding the host's address) or
     * its loopback, written by someone else: the agent touches neither (no proxy ARP, route, rule or setting of its own
     * on them), leaves the record's endpoint unprogrammed and says so, naming it. Old code: it configured both as
     * endpoint interfaces (proxy_arp on the uplink, a route to the record's address through it, the uplink's traffic
     * put behind the record's policy).
     */
    @Test
    void anEndpointRecordNamingTheUplinkOrTheLoopbackLeavesThemAlone() {
        String host = fixture.layout().host(1);
        String before = kernelOf(host);
        for (String link : new String[] {"eth0", "lo"}) {
            WorkloadEndpoint forged = new WorkloadEndpoint("h1", null, "forged-" + link, "forged-" + link, link, null,
                    List.of(Cidr.parse(link.equals("lo") ? "10.67.250.2/32" : "10.67.250.1/32")), List.of(),
                    List.of("web"), null, null, null, null);
            put(Keys.key(forged), ResourceCodec.toJson(forged));
        }
        boolean reported = Eventually.within(20, () -> nodeStatus().stdout().contains("forged-eth0")
                && nodeStatus().stdout().contains("forged-lo"));
        assertEquals(before, kernelOf(host), "the uplink and the loopback as they were");
        assertTrue(reported, nodeStatus().stdout());
        assertFalse(nodeStatus().ok(), nodeStatus().stdout());
        assertTrue(Probe.ping(ns("w2"), w1).succeeds(), "the endpoints go on");

        for (String link : new String[] {"eth0", "lo"}) {
            etcd("deleterange", "{\"key\":\"" + base64(Keys.nodeKey(WorkloadEndpoint.class, "h1", "forged-" + link)) + "\"}");
        }
        assertTrue(Eventually.within(20, () -> nodeStatus().ok()), nodeStatus().stdout());
    }

    /**
     * An endpoint record naming this node and a real endpoint's interface (w1's veth) but claiming 32.0.0.0/3 and
     * 96.0.0.0/4, which no attach ever gives (an endpoint's addresses are single ones): routed as given, they would
     * send that traffic of the host into w1, past its default route. The agent leaves the record's endpoint out and
     * says so; w1 goes on as it was. Old code: both routes were added through w1's veth. (Until session 50 the nets
     * were 0.0.0.0/1 and 128.0.0.0/1, which overlap reserved ranges and are now refused as the record is read.)
     */
    @Test
    void anEndpointRecordClaimingMoreThanSingleAddressesIsLeftOut() {
        String host = fixture.layout().host(1);
        String veth = fixture.jc("h1", "container", "list", "-o", "json").replaceAll("(?s).*?\"interfaceName\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        WorkloadEndpoint forged = new WorkloadEndpoint("h1", null, "forged-wide", "forged-wide", veth, null,
                List.of(Cidr.parse("32.0.0.0/3"), Cidr.parse("96.0.0.0/4")), List.of(), List.of("web"), null, null, null, null);
        put(Keys.key(forged), ResourceCodec.toJson(forged));
        boolean reported = Eventually.within(20, () -> nodeStatus().stdout().contains("forged-wide"));
        assertEquals("", fixture.in(host, "ip", "route", "show", "32.0.0.0/3").stdout()
                + fixture.in(host, "ip", "route", "show", "96.0.0.0/4").stdout(), "no route wider than an address");
        assertTrue(reported, nodeStatus().stdout());
        assertTrue(Probe.ping(ns("w2"), w1).succeeds(), "w1 goes on");

        etcd("deleterange", "{\"key\":\"" + base64(Keys.key(forged)) + "\"}");
        assertTrue(Eventually.within(20, () -> nodeStatus().ok()), nodeStatus().stdout());
    }

    /** What the agent could change of the host's eth0 and lo: their links, settings, routes and rules naming them. */
    private static String kernelOf(String host) {
        StringBuilder state = new StringBuilder();
        for (String link : new String[] {"eth0", "lo"}) {
            state.append(fixture.in(host, "ip", "-d", "link", "show", link).check().stdout().replaceAll("\\s+", " ")
                    .replaceAll("(RX|TX).*", "")).append('\n');
            for (String setting : new String[] {"ipv4.conf." + link + ".proxy_arp", "ipv4.neigh." + link + ".proxy_delay",
                    "ipv6.conf." + link + ".accept_ra", "ipv6.conf." + link + ".accept_dad"}) {
                state.append(setting).append('=').append(fixture.in(host, "sysctl", "-n", "net." + setting).stdout().strip())
                        .append('\n');
            }
        }
        fixture.in(host, "ip", "route", "show", "table", "all").check().stdout().lines()
                .filter(line -> line.contains("10.67.250.")).forEach(line -> state.append(line).append('\n'));
        fixture.in(host, "iptables-save").check().stdout().lines()
                .filter(line -> line.contains(" eth0") || line.contains(" lo ") || line.contains("forged"))
                .forEach(line -> state.append(line).append('\n'));
        return state.toString();
    }

    /** `etcdctl put KEY VALUE`. */
    private static void put(String key, String value) {
        etcd("put", "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}");
    }

    /** A call of etcd's own gateway (v3/kv/CALL), at the lab's first member, from host h1: no jcalico on the way. */
    private static void etcd(String call, String body) {
        fixture.in(fixture.layout().host(1), "curl", "-sf", "-X", "POST", "-d", body,
                "http://" + fixture.layout().etcdAddress(1) + ":2379/v3/kv/" + call).check();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static CommandRunner.Result nodeStatus() {
        return fixture.run("h1", "node", "status", "--run-dir", fixture.layout().runDir().toString());
    }

    private static String ns(String workload) {
        return fixture.layout().workload(workload);
    }
}
