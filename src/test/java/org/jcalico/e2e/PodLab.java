package org.jcalico.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Kinds;
import org.jcalico.resources.ResourceService;
import org.jcalico.model.IpAddress;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;

/**
 * Pods in namespaces on a two-host jcalico lab without BGP (the fabric routes each host's fixed ranges), both address
 * families, pods alternating between the hosts. Every pod is in the profile "open", which allows everything both
 * ways, as Kubernetes allows all traffic to a pod no policy selects. Each pod accepts connections on the lab's TCP
 * ports and answers any datagram with "pong" on its UDP ports (a small perl server; perl-base is part of every Debian
 * system), and declares each of them as a named port serve-PORT-PROTO, as the Kubernetes e2e suite's pods do.
 * One lab serves every case of a test class: {@link #reset} removes what a case applied.
 */
public final class PodLab implements AutoCloseable {
    public static final String PROFILE = "open";
    private static final int HOSTS = 2;
    /**
     * The pod's server, one process: accepts and closes every TCP connection (a backlog of 256, since a matrix
     * connects to one port from 16 places at once and a small backlog, like busybox httpd's, drops SYNs) and answers
     * every UDP datagram with "pong". Arguments: PROTO/PORT to listen on, each on one dual-stack socket.
     */
    private static final String SERVER = """
use strict; use IO::Socket::IP; use IO::Select;
my $all = IO::Select->new; my %udp;
for my $spec (@ARGV) {
  my ($proto, $port) = split m{/}, $spec;
  my $s = IO::Socket::IP->new(LocalHost => '::', LocalPort => $port, Proto => $proto, V6Only => 0, ReuseAddr => 1, $proto eq 'tcp' ? (Listen => 256) : ()) or die "$spec: $@";
  $udp{fileno $s} = 1 if $proto eq 'udp'; $all->add($s);
}
while (1) {
  for my $s ($all->can_read) {
    if ($udp{fileno $s}) { my $peer = recv($s, my $d, 512, 0); send($s, "pong\\n", 0, $peer) if defined $peer; }
    else { my $c = $s->accept; close $c if $c; }
  }
}
            """.replace('\n', ' ');
    private static final YAMLMapper YAML = new YAMLMapper();

    /** A pod to create: its namespace, name and labels. */
    public record PodSpec(String namespace, String name, Map<String, String> labels) {
    }

    private final LabFixture fixture;
    private final List<Pod> pods;
    private final List<Traffic> listeners;
    private final Set<List<String>> applied = new LinkedHashSet<>();

    private PodLab(LabFixture fixture, List<Pod> pods, List<Traffic> listeners) {
        this.fixture = fixture;
        this.pods = pods;
        this.listeners = listeners;
    }

    /**
     * The Kubernetes network-policy e2e suite's model: namespaces x, y, z (labels ns=NAME and
     * kubernetes.io/metadata.name=NAME, as Kubernetes sets it) with pods a, b, c each (label pod=NAME), listening on
     * TCP 80 and 81 and UDP 80.
     */
    public static PodLab netpolModel(String name) {
        Map<String, Map<String, String>> namespaces = new LinkedHashMap<>();
        List<PodSpec> pods = new ArrayList<>();
        for (String namespace : List.of("x", "y", "z")) {
            namespaces.put(namespace, Map.of("ns", namespace, "kubernetes.io/metadata.name", namespace));
            for (String pod : List.of("a", "b", "c")) {
                pods.add(new PodSpec(namespace, pod, Map.of("pod", pod)));
            }
        }
        return up(name, namespaces, pods, Traffic.NETPOL);
    }

    /** Builds the lab (removing leftovers of an earlier run of the same name first); all or nothing. */
    public static PodLab up(String name, Map<String, Map<String, String>> namespaces, List<PodSpec> specs, List<Traffic> listeners) {
        long start = System.nanoTime();
        LabFixture fixture = LabFixture.up(name, HOSTS, false);
        try {
            fixture.apply("h1", "kind: Profile\nname: " + PROFILE + "\ninbound:\n- {action: allow}\noutbound:\n- {action: allow}\n");
            List<Runnable> labelling = new ArrayList<>();
            for (var namespace : namespaces.entrySet()) {
                List<String> command = new ArrayList<>(List.of("namespace", "label", namespace.getKey()));
                namespace.getValue().forEach((key, value) -> command.add(key + "=" + value));
                labelling.add(() -> fixture.jc("h1", command.toArray(String[]::new)));
            }
            inParallel(labelling);
            // each host's pods one after another, the two hosts at once
            Pod[] pods = new Pod[specs.size()];
            List<Runnable> hosts = new ArrayList<>();
            for (int host = 1; host <= HOSTS; host++) {
                int first = host - 1;
                hosts.add(() -> {
                    for (int i = first; i < specs.size(); i += 2) {
                        pods[i] = addPod(fixture, specs.get(i), first + 1, listeners);
                    }
                });
            }
            inParallel(hosts);
            PodLab lab = new PodLab(fixture, List.of(pods), List.copyOf(listeners));
            System.out.printf("[%s] 2 hosts and %d pods up in %.1f s%n", name, pods.length, (System.nanoTime() - start) / 1e9);
            return lab;
        } catch (RuntimeException | Error e) {
            fixture.close();
            throw e;
        }
    }

    private static Pod addPod(LabFixture fixture, PodSpec spec, int host, List<Traffic> listeners) {
        String netns = fixture.lab().workload(spec.namespace() + "-" + spec.name());
        List<String> add = new ArrayList<>(List.of("container", "add", "netns:" + netns, "--profile", PROFILE,
                "--namespace", spec.namespace()));
        spec.labels().forEach((key, value) -> add.addAll(List.of("--label", key + "=" + value)));
        for (Traffic listener : listeners) {
            add.addAll(List.of("--port", "serve-" + listener.port() + "-" + listener.protocol() + "=" + listener.protocol() + "/" + listener.port()));
        }
        fixture.jc("h" + host, add.toArray(String[]::new));
        List<String> serve = new ArrayList<>(List.of("bash", "-c", "ip link set lo up && setsid -f perl -e \"$0\" \"$@\" </dev/null >/dev/null 2>&1", SERVER));
        listeners.forEach(listener -> serve.add(listener.protocol() + "/" + listener.port()));
        fixture.in(netns, serve.toArray(String[]::new)).check();
        return new Pod(spec.namespace(), spec.name(), host, netns, address(fixture, netns, 4), address(fixture, netns, 6));
    }

    private static void inParallel(List<Runnable> tasks) {
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> running = tasks.stream().<java.util.concurrent.Future<?>>map(pool::submit).toList();
            for (var future : running) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error; // an assertion of a command that failed
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }

    private static IpAddress address(LabFixture fixture, String netns, int family) {
        String line = fixture.in(netns, "ip", "-" + family, "-o", "addr", "show", "dev", "eth0", "scope", "global").check().stdout();
        String[] words = line.strip().split("\\s+");
        for (int i = 0; i < words.length - 1; i++) {
            if (words[i].equals(family == 4 ? "inet" : "inet6")) {
                return IpAddress.parse(words[i + 1].substring(0, words[i + 1].indexOf('/')));
            }
        }
        throw new IllegalStateException(netns + " has no IPv" + family + " address: " + line);
    }

    public List<Pod> pods() {
        return pods;
    }

    public Pod pod(String id) {
        return pods.stream().filter(pod -> pod.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no pod " + id));
    }

    public LabFixture fixture() {
        return fixture;
    }

    /** `jcalico ARGS` on host h1; fails the test unless it succeeds. */
    public String jc(String... args) {
        return fixture.jc("h1", args);
    }

    /**
     * Switches both hosts' agents to DRIVER (FelixConfiguration's dataplaneDriver, at run time, as a user would) and
     * waits until each kernel holds that driver's state alone. Not undone by {@link #reset}: a class that switches
     * switches back when it ends.
     */
    public void useDataplane(String driver) {
        fixture.apply("h1", "kind: FelixConfiguration\nname: global\ndataplaneDriver: " + driver + "\n");
        for (int host = 1; host <= HOSTS; host++) {
            String namespace = fixture.layout().host(host);
            if (!Eventually.within(30, () -> fixture.programsOnly(namespace, driver))) {
                fail(namespace + "'s agent did not switch to " + driver + " within 30 s");
            }
        }
    }

    /**
     * `jcalico apply -f` of the YAML as written; every resource in it is removed again by {@link #reset}. Fails the
     * test if apply refuses it.
     */
    public void apply(String yaml) {
        fixture.apply("h1", yaml);
        applied.addAll(identities(yaml));
    }

    /**
     * Deletes what {@link #apply} applied since the last reset, newest first (a tier goes only once its policies are
     * gone), in one write session of the lab's datastore from this process, through the same ResourceService that
     * `jcalico delete` runs: a jcalico process per resource would cost a JVM start each (about a second of CPU) for
     * what the cases do not test. The agents see the deletions as they see a user's.
     */
    public void reset() {
        List<List<String>> newestFirst = new ArrayList<>(applied);
        Collections.reverse(newestFirst);
        applied.clear();
        if (newestFirst.isEmpty()) {
            return;
        }
        try (Datastore datastore = fixture.layout().datastoreUrl().open(OpenMode.WRITE)) {
            ResourceService resources = new ResourceService(new ResourceStore(datastore));
            for (List<String> kindAndName : newestFirst) {
                resources.delete(Kinds.type(Kinds.resolve(kindAndName.get(0)).orElseThrow()), kindAndName.get(1));
            }
        }
    }

    /**
     * The kind and name of each document, as `jcalico delete` takes them: a Kubernetes NetworkPolicy is kind
     * KubernetesNetworkPolicy; namespaced resources are named NAMESPACE/NAME.
     */
    static List<List<String>> identities(String yaml) {
        List<List<String>> identities = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                String kind = document.path("kind").asText();
                if (document.path("apiVersion").asText().equals("networking.k8s.io/v1")) {
                    kind = "KubernetesNetworkPolicy";
                }
                JsonNode metadata = document.path("metadata");
                String name = metadata.path("name").asText();
                if (metadata.has("namespace")) {
                    name = metadata.path("namespace").asText() + "/" + name;
                }
                identities.add(List.of(kind, name));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return identities;
    }

    /** Runs a command inside a pod's network namespace. */
    public CommandRunner.Result inPod(String id, String... command) {
        return fixture.in(pod(id).netns(), command);
    }

    /** Every ordered pair of distinct pods, for the given traffic (everything the pods listen on if none given), both families. */
    public List<Cell> allCells(Traffic... traffic) {
        List<Traffic> kinds = traffic.length == 0 ? listeners : List.of(traffic);
        List<Cell> cells = new ArrayList<>();
        for (Pod from : pods) {
            for (Pod to : pods) {
                if (from != to) {
                    for (Traffic kind : kinds) {
                        for (int family : Traffic.FAMILIES) {
                            cells.add(new Cell(from, to, kind, family));
                        }
                    }
                }
            }
        }
        return cells;
    }

    /**
     * Probes the cells until every outcome is as expected, or {@code seconds} and at least three rounds have passed
     * (the agents program a change within a moment of the command returning; a busy machine may lose a first SYN);
     * fails with every differing cell of the last round.
     */
    public void assertEventually(String what, Map<Cell, Boolean> expected, int seconds) {
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        List<Cell> cells = List.copyOf(expected.keySet());
        int rounds = 0;
        while (true) {
            Map<Cell, Boolean> observed = MatrixProber.probe(cells);
            rounds++;
            List<String> differences = new ArrayList<>();
            for (Cell cell : cells) {
                if (!observed.get(cell).equals(expected.get(cell))) {
                    differences.add(cell + ": expected " + verdict(expected.get(cell)) + ", observed " + verdict(observed.get(cell)));
                }
            }
            if (differences.isEmpty()) {
                System.out.printf("[%s] %s: %d probes as expected (%d round%s, %.1f s)%n", fixture.layout().name(), what,
                        cells.size(), rounds, rounds == 1 ? "" : "s", (System.nanoTime() - start) / 1e9);
                return;
            }
            if (System.nanoTime() > deadline && rounds >= 3) {
                fail(what + ": " + differences.size() + " of " + cells.size() + " probes differ from the expected truth table"
                        + " (after " + rounds + " rounds):\n  " + String.join("\n  ", differences));
            }
        }
    }

    /** The truth table over every pair of pods, for the given traffic (everything the pods listen on if none given). */
    public void assertReachability(String what, Reachability expected, Traffic... traffic) {
        Map<Cell, Boolean> cells = new java.util.LinkedHashMap<>();
        for (Cell cell : allCells(traffic)) {
            cells.put(cell, expected.allowed(cell.from(), cell.to(), cell.traffic(), cell.family()));
        }
        assertEventually(what, cells, 10);
    }

    private static String verdict(boolean allowed) {
        return allowed ? "allowed" : "denied";
    }

    @Override
    public void close() {
        fixture.close();
    }
}
