package org.jcalico.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.Ports;
import org.jcalico.model.Protocol;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.Metadata;
import org.jcalico.model.PolicySpec;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.CliOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `policy explain` where no probe can be sent: the model's verdict alone, and bad input. */
class PolicyExplainCommandTest {
    @TempDir
    Path dir;
    private String url;

    private CliOutcome run(String... args) {
        return CliOutcome.run(List.of("--datastore=" + url, "--node=h1"), args);
    }

    @BeforeEach
    void cluster() {
        url = "embedded:" + dir.resolve("store.db");
        try (Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            store.create(Profile.securityGroup("web"));
            store.create(new WorkloadEndpoint("h1", null, "netns:jcty-web", "ep1", "jcep1", null,
                    List.of(Cidr.parse("10.65.0.1/32")), List.of(), List.of("web"), null, null, Map.of("app", "web"), null));
            store.create(new GlobalNetworkPolicy(Metadata.named("web-in"), new PolicySpec(null, null, "app == 'web'", null,
                    null, List.of(new Rule(Action.ALLOW, Protocol.parse("tcp"), null, null,
                    new EntityMatch(null, null, Ports.parse("80")), null, null, null)), null)));
        }
    }

    @Test
    void fromAnAddressOutsideWithoutItsNamespaceTheModelAloneAnswers() {
        CliOutcome outcome = run("policy", "explain", "203.0.113.9", "ep1", "--port", "80");
        assertEquals(0, outcome.status(), outcome.err());
        assertEquals("""
                packet: 203.0.113.9 -> 10.65.0.1 tcp/80
                  from 203.0.113.9 (outside every endpoint)
                  to   endpoint ep1 (netns:jcty-web) on h1, 10.65.0.1
                model:
                  egress  not an endpoint: not checked
                  ingress tier default > GlobalNetworkPolicy/web-in > rule 0 > Allow
                  => allowed
                kernel: no probe sent: FROM is outside every endpoint: give --from-netns NAME, the namespace that has 203.0.113.9, to send the probe from there
                  egress  not an endpoint: no egress policy
                  ingress not read: no probe sent
                the kernel was not read: nothing to compare
                """, outcome.out());
    }

    @Test
    void badInputIsOneErrorLine() {
        assertEquals(new CliOutcome(1, "", "error: FROM: 'nosuch' is not an address, an endpoint id or a container with an endpoint\n"),
                run("policy", "explain", "nosuch", "ep1", "--port", "80"));
        assertEquals(new CliOutcome(1, "", "error: --port: icmp has no ports\n"),
                run("policy", "explain", "203.0.113.9", "ep1", "--protocol", "icmp", "--port", "80"));
        assertEquals(new CliOutcome(1, "", "error: --port: needed for udp\n"),
                run("policy", "explain", "203.0.113.9", "ep1", "--protocol", "udp"));
        assertEquals(new CliOutcome(1, "", "error: 'ep1' has no IPv6 address\n"),
                run("policy", "explain", "ep1", "fd00::1", "--port", "80"));
    }
}
