package org.jcalico.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.CliOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `apply --dry-run`: checked as apply checks, what would change per node, and nothing written. */
class DryRunTest {
    private static final String POLICY = """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: web-in}
            spec:
              selector: app == "web"
              ingress:
              - action: Allow
                protocol: TCP
                destination: {ports: [80]}
            """;
    private static final String PROFILE = """
            kind: Profile
            name: web
            tags: [web]
            inbound:
            - action: allow
              protocol: tcp
            outbound:
            - action: allow
            """;
    @TempDir
    Path dir;
    private String url;

    private CliOutcome run(String... args) {
        return CliOutcome.run(List.of("--datastore=" + url), args);
    }

    private long revision() {
        try (Datastore datastore = Datastores.open(url)) {
            return datastore.list(Keys.ROOT).revision();
        }
    }

    private String file(String text) throws Exception {
        Path file = dir.resolve("file-" + text.hashCode() + ".yaml");
        Files.writeString(file, text);
        return file.toString();
    }

    @BeforeEach
    void cluster() {
        url = "embedded:" + dir.resolve("store.db");
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(new Node("h1", IpAddress.parse("172.30.0.1"), null, null));
            store.create(Profile.securityGroup("web"));
            store.create(new WorkloadEndpoint("h1", null, "netns:web", "ep1", "jcep1", null,
                    List.of(Cidr.parse("10.65.0.1/32")), List.of(), List.of("web"), null, null, Map.of("app", "web"), null));
            store.create(new WorkloadEndpoint("h2", null, "netns:db", "ep2", "jcep2", null,
                    List.of(Cidr.parse("10.65.1.1/32")), List.of(), List.of("web"), null, null, Map.of("app", "db"), null));
        }
    }

    @Test
    void aNewPolicyChangesTheEffectivePolicyOfTheEndpointsItSelectsAndNothingIsWritten() throws Exception {
        long before = revision();
        CliOutcome outcome = run("apply", "--dry-run", "-f", file(POLICY));
        assertEquals(0, outcome.status(), outcome.err());
        // ep1's chain leaves its policy to the chain of endpoints with its policies (named by them): another one now
        assertTrue(outcome.out().replaceAll("jc-si-[0-9a-f]{16}", "jc-si-HASH").startsWith(
                "dry run: nothing written (the store stays at revision " + before + ")\n"
                + "would be created: GlobalNetworkPolicy web-in\nnode h1:\n"
                + "  endpoint ep1 (netns:web) ingress: profile web -> default/GlobalNetworkPolicy/web-in, profile web\n"
                + "  chain added   filter jc-gi-web-in (IPv4) (2 rules)\n"
                + "  chain removed filter jc-si-HASH (IPv4) (7 rules)\n"
                + "  chain added   filter jc-si-HASH (IPv4) (12 rules)\n"
                + "  chain changed filter jc-tw-jcep1 (IPv4) (+1 -1 rules)\n"), outcome.out());
        assertFalse(outcome.out().contains("(IPv6)"), "ep1 has no IPv6 address, so no IPv6 chain: " + outcome.out());
        assertTrue(outcome.out().contains("node h2: no change\n"), outcome.out());
        assertEquals(before, revision(), "the store's revision is unchanged");
        assertEquals(1, run("get", "globalnetworkpolicy", "web-in").status(), "the policy was not written");
    }

    @Test
    void aChangedProfileChangesItsChainsOnEveryNodeThatUsesIt() throws Exception {
        long before = revision();
        CliOutcome outcome = run("apply", "--dry-run", "-f", file(PROFILE));
        assertEquals(0, outcome.status(), outcome.err());
        assertTrue(outcome.out().contains("would be updated: Profile web\n"), outcome.out());
        assertTrue(outcome.out().contains("node h1:\n  chain changed filter jc-pi-web (IPv4) (+"), outcome.out());
        assertTrue(outcome.out().contains("node h2:\n"), outcome.out());
        assertEquals(before, revision());
    }

    @Test
    void aRuleWithASelectorAddsItsSetWithTheMembersItMatchesAnywhere() throws Exception {
        CliOutcome outcome = run("apply", "--dry-run", "-f", file(POLICY.replace("destination: {ports: [80]}",
                "source: {selector: app == \"db\"}")));
        assertEquals(0, outcome.status(), outcome.err());
        assertTrue(outcome.out().matches("(?s).*\n  ipset added   jc-4s-[0-9a-f]+ \\(1 members\\)\n.*"), outcome.out());
    }

    @Test
    void aFileApplyRefusesIsRefusedTheSameWay() throws Exception {
        String bad = "kind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {tier: nosuch}\n";
        CliOutcome applied = run("apply", "-f", file(bad));
        CliOutcome dry = run("apply", "--dry-run", "-f", file(bad));
        assertEquals(1, applied.status());
        assertEquals(applied, dry);
    }

    @Test
    void theJsonFormListsTheNodesChanges() throws Exception {
        CliOutcome outcome = run("apply", "--dry-run", "-o", "json", "-f", file(POLICY));
        assertEquals(0, outcome.status(), outcome.err());
        assertTrue(outcome.out().contains("\"endpoint\" : \"ep1\""), outcome.out());
        assertTrue(outcome.out().contains("\"after\" : [ \"default/GlobalNetworkPolicy/web-in\", \"profile web\" ]"), outcome.out());
    }
}
