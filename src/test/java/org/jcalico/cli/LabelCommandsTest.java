package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.Namespace;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.testing.CliOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `container label`, `namespace label` and `namespace list`, and bad labels, ports and namespaces on `container add`. */
class LabelCommandsTest {
    @TempDir
    Path dir;
    private String url;

    private CliOutcome run(String... args) {
        return CliOutcome.run(List.of("--datastore=" + url, "--node=h1"), args);
    }

    private <T> T withStore(java.util.function.Function<ResourceStore, T> action) {
        try (Datastore datastore = Datastores.open(url)) {
            return action.apply(new ResourceStore(datastore));
        }
    }

    private WorkloadEndpoint endpoint(String endpointId) {
        return withStore(store -> store.get(WorkloadEndpoint.class, "h1", endpointId).orElseThrow().resource());
    }

    @BeforeEach
    void cluster() {
        url = "embedded:" + dir.resolve("store.db");
        withStore(store -> {
            store.create(new Node("h1", IpAddress.parse("172.30.0.1"), null, null));
            store.create(new IpPool(Cidr.parse("10.65.0.0/16"), false, null, false));
            store.create(new WorkloadEndpoint("h1", null, "netns:jctl-web", "ep1", "jcep1", null,
                    List.of(Cidr.parse("10.65.0.1/32")), List.of(), List.of(), null, "team-a", Map.of("app", "web"), null));
            return null;
        });
    }

    @Test
    void containerLabelSetsAndRemovesLabelsAndSaysWhatChanged() {
        assertEquals(new CliOutcome(0, "netns:jctl-web (ep1): app: web -> api, set example.com/tier=front, set quiet=''\n", ""),
                run("container", "label", "netns:jctl-web", "app=api", "example.com/tier=front", "quiet="));
        assertEquals(Map.of("app", "api", "example.com/tier", "front", "quiet", ""), endpoint("ep1").labels());
        assertEquals(new CliOutcome(0, "netns:jctl-web (ep1): removed example.com/tier (was front), removed quiet (was '')\n", ""),
                run("container", "label", "netns:jctl-web", "example.com/tier-", "quiet-", "gone-"));
        assertEquals(new CliOutcome(0, "netns:jctl-web (ep1): unchanged\n", ""), run("container", "label", "netns:jctl-web", "app=api"));
        assertEquals(Map.of("app", "api"), endpoint("ep1").labels());
        assertEquals("team-a", endpoint("ep1").namespace(), "nothing else of the record changes");
        String list = run("container", "list").out();
        assertEquals("CONTAINER       NODE  NAMESPACE  INTERFACE  ADDRESSES     PROFILES  LABELS   STATUS", list.lines().findFirst().orElseThrow());
        assertEquals("netns:jctl-web  h1    team-a     jcep1      10.65.0.1/32  (none)    app=api  waiting for agent", list.lines().skip(1).findFirst().orElseThrow());
    }

    /**
     * An endpoint isolated until its container's labels are known (the docker plugin's `awaiting-container-labels`) takes
     * the edit and stays isolated: made active by an edit, it would be programmed without the container's own labels, and
     * a Deny selecting one of them would not hold. The command says so. Old code: only "set quarantine=yes".
     */
    @Test
    void anEndpointAwaitingItsContainersLabelsTakesTheEditAndSaysItStaysIsolated() {
        withStore(store -> store.create(new WorkloadEndpoint("h1", "docker", "0123456789abcdef", "ep2", "jcep2", null,
                List.of(Cidr.parse("10.65.0.2/32")), List.of(), List.of(), "awaiting-container-labels", null, Map.of(), null)));
        assertEquals(new CliOutcome(0, "0123456789abcdef (ep2): set quarantine=yes; still isolated: its state is"
                        + " 'awaiting-container-labels', not 'active': all its traffic is dropped until it is\n", ""),
                run("container", "label", "0123456789abcdef", "quarantine=yes"));
        assertEquals(Map.of("quarantine", "yes"), endpoint("ep2").labels());
        assertEquals("awaiting-container-labels", endpoint("ep2").state(), "an edit does not make it active");
    }

    @Test
    void badLabelEditsAndUnknownContainersChangeNothing() {
        long before = withStore(store -> store.get(WorkloadEndpoint.class, "h1", "ep1").orElseThrow().revision());
        for (var bad : Map.of(
                List.of("netns:jctl-web", "app=a b"), "error: label app: 'a b' is not a valid label value (empty, or up to 63 characters: letters, digits, '-', '_', '.', a letter or digit at both ends)\n",
                List.of("netns:jctl-web", "app"), "error: label: 'app' is neither KEY=VALUE (set) nor KEY- (remove)\n",
                List.of("netns:jctl-web", "x=1", "app=a", "app-"), "error: label: 'app' is given twice\n",
                List.of("netns:jctl-nothing", "app=x"), "error: container 'netns:jctl-nothing' has no endpoint (see 'jcalico container list')\n").entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("container", "label"));
            args.addAll(bad.getKey());
            assertEquals(new CliOutcome(1, "", bad.getValue()), run(args.toArray(String[]::new)), bad.getKey().toString());
        }
        assertEquals(before, (long) withStore(store -> store.get(WorkloadEndpoint.class, "h1", "ep1").orElseThrow().revision()));
    }

    @Test
    void namespaceLabelCreatesTheNamespaceAndListShowsIt() {
        assertEquals(new CliOutcome(0, "created namespace team-a: set env=prod, set example.com/team=red\n", ""),
                run("namespace", "label", "team-a", "env=prod", "example.com/team=red"));
        assertEquals(new CliOutcome(0, "namespace team-a: env: prod -> dev, removed example.com/team (was red)\n", ""),
                run("namespace", "label", "team-a", "env=dev", "example.com/team-"));
        assertEquals(new CliOutcome(0, "NAMESPACE  LABELS\nteam-a     env=dev\n", ""), run("namespace", "list"));
        assertEquals(new Namespace("team-a", Map.of("env", "dev")),
                withStore(store -> store.get(Namespace.class, "team-a").orElseThrow().resource()));
        assertEquals(new CliOutcome(1, "", "error: namespace: 'Team' is not a valid namespace name (up to 63 lower-case letters,"
                + " digits and '-', a letter or digit at both ends)\n"), run("namespace", "label", "Team", "a=b"));
        assertEquals(new CliOutcome(1, "", "error: label: 'Example.com/a' is not a valid label key: its prefix before '/' must be a lower-case"
                + " DNS subdomain of up to 253 characters\n"), run("namespace", "label", "team-b", "Example.com/a=1"));
        assertEquals(List.of("team-a"), withStore(store -> store.list(Namespace.class).stream()
                .map(Versioned::resource).map(Namespace::name).toList()), "nothing created by a refused command");
    }

    /** Bad input is refused before anything is resolved, allocated, attached or recorded. */
    @Test
    void containerAddRefusesBadLabelsPortsAndNamespacesBeforeItChangesAnything() {
        for (var bad : Map.of(
                List.of("--label", "bad key=x"), "error: label: 'bad key' is not a valid label key (an optional DNS-subdomain prefix and '/', then 1-63 characters: letters, digits, '-', '_', '.', a letter or digit at both ends)\n",
                List.of("--label", "app=x", "--label", "app=y"), "error: label: 'app' is given twice\n",
                List.of("--label", "app-"), "error: label: 'app-' is not KEY=VALUE\n",
                List.of("--port", "http=tcp/80", "--port", "http=tcp/81"), "error: ports: 'http' is declared twice for tcp\n",
                List.of("--port", "http=icmp/80"), "error: ports.http.protocol: 'icmp' is not one of tcp, udp, sctp\n",
                List.of("--port", "http=tcp/0"), "error: ports.http.port: '0' is not a port number 1-65535\n",
                List.of("--port", "Http=tcp/80"), "error: ports.name: 'Http' is not a valid port name (1-15 lower-case letters, digits and '-', at least one letter, no '--', a letter or digit at both ends)\n",
                List.of("--namespace", "Bad"), "error: namespace: 'Bad' is not a valid namespace name (up to 63 lower-case letters, digits and '-', a letter or digit at both ends)\n").entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("container", "add", "netns:jctl-db", "--no-wait"));
            args.addAll(bad.getKey());
            assertEquals(new CliOutcome(1, "", bad.getValue()), run(args.toArray(String[]::new)), bad.getKey().toString());
        }
        withStore(store -> {
            assertEquals(1, store.list(WorkloadEndpoint.class).size());
            assertEquals(List.of(), store.datastore().list(Keys.INTENTS).items());
            assertEquals(List.of(), store.list(org.jcalico.model.IpamBlock.class), "no block claimed, no address allocated");
            return null;
        });
    }
}
