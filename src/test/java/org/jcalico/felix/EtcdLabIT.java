package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.EtcdFixture;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two hosts on a 3-member etcd cluster reached over the lab's fabric, through the outages of one and of all members. */
@Tag("kernel")
class EtcdLabIT {
    private static final int OUTAGE_SECONDS = 20;

    @Test
    void oneMemberDownChangesNothingAndAFullOutageKeepsTrafficFlowing() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (LabFixture fixture = LabFixture.upOnEtcd("jcte", 2)) {
            fixture.jc("h1", "pool", "add", "10.65.0.0/16");
            add(fixture, "a", "h1");
            add(fixture, "b", "h2");
            IpAddress b = address(fixture, "b");
            awaitBothInSync(fixture);
            assertTrue(ping(fixture, "a", b, 3).ok(), "a reaches b across hosts");
            // an address of h1's block held on h2 (borrowed): h1 refuses a peer's routes inside its own blocks but this
            // one's (docs/architecture.md, "What BGP may bring into the kernel", Session 59 (t-bgp))
            String aAddress = address(fixture, "a").toString();
            int last = Integer.parseInt(aAddress.substring(aAddress.lastIndexOf('.') + 1));
            String lent = aAddress.substring(0, aAddress.lastIndexOf('.') + 1) + ((last & ~63) + (last % 64 == 50 ? 51 : 50));
            fixture.jc("h2", "container", "add", "netns:" + fixture.lab().workload("e"), "--profile", "p", lent);
            assertTrue(Eventually.within(30, () -> ping(fixture, "a", IpAddress.parse(lent), 1).ok()),
                    "a reaches the address of its own host's block that h2 borrowed");

            fixture.lab().stopEtcd(2);
            add(fixture, "c", "h1");
            assertTrue(ping(fixture, "c", b, 3).ok(), "with one member down a new container works as usual");
            fixture.lab().startEtcd(2);

            int linksBefore = links(fixture);
            for (int member = 1; member <= 3; member++) {
                fixture.lab().stopEtcd(member);
            }
            CompletableFuture<CommandRunner.Result> traffic = CompletableFuture.supplyAsync(
                    () -> ping(fixture, "a", b, OUTAGE_SECONDS * 5));
            String d = fixture.lab().workload("d");
            CommandRunner.Result refused = fixture.run("h1", "container", "add", "netns:" + d, "--profile", "p");
            assertEquals(1, refused.exitCode());
            assertEquals(1, refused.stderr().lines().count(), "one error line: " + refused.stderr());
            assertTrue(refused.stderr().startsWith("error: etcd not reachable"), refused.stderr());
            assertEquals(linksBefore, links(fixture), "no veth left behind");
            assertFalse(fixture.in(d, "ip", "link", "show", "eth0").ok(), "nothing in the container either");
            CommandRunner.Result during = traffic.get(OUTAGE_SECONDS + 30, TimeUnit.SECONDS);
            assertTrue(during.stdout().contains((OUTAGE_SECONDS * 5) + " packets received"),
                    "no packet lost while etcd was down: " + during.stdout());

            for (int member = 1; member <= 3; member++) {
                fixture.lab().startEtcd(member);
            }
            fixture.lab().awaitEtcd();
            String added = fixture.jc("h1", "container", "add", "netns:" + d, "--profile", "p");
            assertTrue(added.contains("ready in"), "after the outage the agents are back in sync: " + added);
            assertTrue(ping(fixture, "d", b, 3).ok());
        }
    }

    /**
     * An agent that was cut off while etcd compacted past its watch's revision cannot replay what it missed: it must
     * be told to list everything again, and end up with the dataplane of the current state, without dropping traffic
     * that stays allowed.
     */
    @Test
    void anAgentWhoseWatchFellBehindACompactionResyncsAndEndsUpRight() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (LabFixture fixture = LabFixture.upOnEtcd("jctw", 2)) {
            fixture.jc("h1", "pool", "add", "10.65.0.0/16");
            add(fixture, "a", "h1");
            add(fixture, "b", "h2");
            add(fixture, "c", "h2");
            IpAddress b = address(fixture, "b");
            IpAddress c = address(fixture, "c");
            awaitBothInSync(fixture);
            String h1 = fixture.layout().host(1);
            assertTrue(fixture.setHolds(h1, "jc-4t-p", c.toString()), "h1 knows c as a member of p");

            CompletableFuture<CommandRunner.Result> traffic = CompletableFuture.supplyAsync(() -> ping(fixture, "a", b, 100));
            // h1 can no longer reach etcd; stopping the member its watch streams from breaks that stream
            fixture.in(h1, "iptables", "-I", "OUTPUT", "-p", "tcp", "--dport", "2379", "-j", "REJECT",
                    "--reject-with", "tcp-reset").check();
            fixture.lab().stopEtcd(1);
            fixture.jc("h2", "container", "remove", "netns:" + fixture.layout().workload("c"));
            fixture.jc("h2", "profile", "rule", "add", "p", "inbound", "allow", "--protocol", "tcp", "--dst-ports", "7777");
            String etcd = "http://" + fixture.layout().etcdAddress(2) + ":2379";
            String range = fixture.in(fixture.layout().host(2), "curl", "-sf", "-X", "POST", "-d", "{\"key\":\"AA==\"}",
                    etcd + "/v3/kv/range").check().stdout();
            String revision = range.replaceAll("(?s).*\"revision\":\"(\\d+)\".*", "$1");
            fixture.in(fixture.layout().host(2), "curl", "-sf", "-X", "POST", "-d",
                    "{\"revision\":\"" + revision + "\",\"physical\":true}", etcd + "/v3/kv/compaction").check();
            assertTrue(fixture.setHolds(h1, "jc-4t-p", c.toString()), "cut off, h1 has not seen c go");

            fixture.lab().startEtcd(1);
            fixture.in(h1, "iptables", "-D", "OUTPUT", "-p", "tcp", "--dport", "2379", "-j", "REJECT",
                    "--reject-with", "tcp-reset").check();
            fixture.lab().awaitEtcd();
            assertTrue(Eventually.within(30, () -> !fixture.setHolds(h1, "jc-4t-p", c.toString())
                    && fixture.chainRules(h1, "jc-pi-p").contains("7777")),
                    "h1's kernel shows the changes it missed");
            String log = java.nio.file.Files.readString(fixture.layout().logDir().resolve("h1").resolve("felix.log"));
            assertTrue(log.contains("watch lost its place (revision ") && log.contains("was compacted in etcd"),
                    "h1's agent says why it listed everything again");
            CommandRunner.Result during = traffic.get(60, TimeUnit.SECONDS);
            assertTrue(during.stdout().contains("100 packets received"), "a -> b lost nothing: " + during.stdout());
            assertTrue(ping(fixture, "a", b, 2).ok(), "and still works");
        }
    }

    private static void awaitBothInSync(LabFixture fixture) {
        String runDir = fixture.layout().runDir().toString();
        assertTrue(Eventually.within(30, () -> fixture.run("h1", "node", "status", "--run-dir", runDir).ok()
                && fixture.run("h2", "node", "status", "--run-dir", runDir).ok()), "both hosts in sync and peered");
    }

    private static void add(LabFixture fixture, String workload, String host) {
        fixture.jc(host, "container", "add", "netns:" + fixture.lab().workload(workload), "--profile", "p");
    }

    private static IpAddress address(LabFixture fixture, String workload) {
        return ResourceCodec.decodeAll(fixture.jc("h1", "container", "list", "-o", "json")).stream()
                .map(WorkloadEndpoint.class::cast)
                .filter(endpoint -> endpoint.containerId().equals("netns:" + fixture.layout().workload(workload)))
                .findFirst().orElseThrow().ipv4Nets().get(0).network();
    }

    private static CommandRunner.Result ping(LabFixture fixture, String from, IpAddress to, int count) {
        return fixture.in(fixture.layout().workload(from), "busybox", "ping", "-i", "0.2", "-c", String.valueOf(count),
                "-W", "2", to.toString());
    }

    private static int links(LabFixture fixture) {
        return (int) fixture.in(fixture.layout().host(1), "ip", "-o", "link").stdout().lines().count();
    }
}
