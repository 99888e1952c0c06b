package org.jcalico.diags;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.PageListener;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.diags.DiagsArchive.Collector;
import org.jcalico.felix.ClusterReading;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Node;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.flows.DeniedFlowFile;
import org.jcalico.util.FileTail;

/**
 * What `node diags` collects on one node (docs/observability.md, "Diagnostics"): versions, the node's records and
 * Felix configuration from the datastore, the kernel's addresses, routes, rules, links, iptables and ipsets, BIRD's
 * configuration and sessions, the agent's status, health and metrics as it serves them, the last denied flows and
 * the end of each log. Everything is read; nothing is changed.
 */
public final class NodeDiagnostics {
    /** The end of each log (and of the denied-flow log) that goes into the archive. */
    static final long LOG_TAIL_BYTES = 2L << 20;
    static final int DENIED_FLOWS = 1000;
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(2);
    private final String node;
    private final AgentPaths paths;
    private final DatastoreUrl datastoreUrl;
    private final CommandRunner runner;
    private ClusterReading reading;
    private List<Resource> nodeRecords;
    private List<EndpointStatus> statuses;
    private RuntimeException datastoreFailure;

    public NodeDiagnostics(String node, AgentPaths paths, DatastoreUrl datastoreUrl, CommandRunner runner) {
        this.node = node;
        this.paths = paths;
        this.datastoreUrl = datastoreUrl;
        this.runner = runner;
    }

    public List<Collector> collectors() {
        List<Collector> collectors = new ArrayList<>();
        collectors.add(new Collector("versions.txt", this::versions));
        collectors.add(new Collector("node.json", () -> ResourceCodec.toPrettyJson(records(), true)));
        collectors.add(new Collector("felix-configuration.txt", this::felixConfiguration));
        collectors.add(new Collector("endpoints.json", () -> ResourceCodec.toPrettyJson(endpoints(), true)));
        collectors.add(new Collector("agent-status.json", () -> read(paths.statusFile())));
        for (String family : List.of("4", "6")) {
            for (String object : List.of("addr", "route", "rule")) {
                List<String> command = object.equals("route") ? List.of("ip", "-" + family, "route", "show", "table", "all")
                        : List.of("ip", "-" + family, object, "show");
                collectors.add(command("ip-" + family + "-" + object + ".txt", command));
            }
        }
        collectors.add(command("ip-link.txt", List.of("ip", "-d", "-s", "link", "show")));
        collectors.add(command("iptables-save.txt", List.of("iptables-save", "-c")));
        collectors.add(command("ip6tables-save.txt", List.of("ip6tables-save", "-c")));
        collectors.add(command("ipset-list.txt", List.of("ipset", "list")));
        // the nftables driver's rules, sets and verdict maps with their counters (every table, as iptables-save gives)
        collectors.add(command("nft-ruleset.txt", List.of("nft", "list", "ruleset")));
        collectors.add(new Collector("bird.conf", () -> read(paths.runDir().resolve("bird.conf"))));
        collectors.add(command("birdc-show-protocols-all.txt", List.of("birdc", "-s",
                new BirdDaemon(paths.runDir(), runner).socket().toString(), "show", "protocols", "all")));
        collectors.add(new Collector("readiness.txt", () -> fetch(config -> config.healthEnabled()
                ? url(config.healthHost(), config.healthPort(), "/readiness") : null, "health")));
        collectors.add(new Collector("metrics.txt", () -> fetch(config -> config.prometheusMetricsEnabled()
                ? url(config.prometheusMetricsHost(), config.prometheusMetricsPort(), "/metrics") : null, "Prometheus metrics")));
        collectors.add(new Collector(DeniedFlowFile.NAME, () -> FileTail.lines(paths.logDir().resolve(DeniedFlowFile.NAME),
                DENIED_FLOWS, LOG_TAIL_BYTES).stream().map(line -> line + "\n").collect(java.util.stream.Collectors.joining())));
        for (Path log : logs()) {
            collectors.add(new Collector("logs/" + log.getFileName(), () -> FileTail.text(log, LOG_TAIL_BYTES)));
        }
        return collectors;
    }

    private String versions() {
        StringBuilder text = new StringBuilder();
        String version = NodeDiagnostics.class.getPackage().getImplementationVersion();
        text.append("jcalico ").append(version == null ? "(development build)" : version).append('\n');
        text.append("java ").append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name")).append(")\n");
        for (List<String> command : List.of(List.of("uname", "-a"), List.of("ip", "-V"), List.of("iptables", "--version"),
                List.of("ipset", "--version"), List.of("nft", "--version"), List.of("bird", "--version"))) {
            CommandRunner.Result result = runner.run(command);
            // bird prints its version on stderr
            text.append(String.join(" ", command)).append(": ").append((result.stdout() + result.stderr()).strip()).append('\n');
        }
        return text.toString();
    }

    /** The store is read once, when the first collector needs it; its failure is every such collector's. */
    private ClusterReading reading() {
        if (reading == null && datastoreFailure == null) {
            try (Datastore datastore = datastoreUrl.open(OpenMode.READ)) {
                reading = ClusterReading.of(datastore);
                ResourceStore store = new ResourceStore(datastore);
                List<Resource> records = new ArrayList<>();
                store.get(Node.class, node).map(Versioned::resource).ifPresent(records::add);
                nodeRecords = records;
                statuses = store.list(EndpointStatus.class).stream().map(Versioned::resource)
                        .filter(status -> status.node().equals(node)).toList();
            } catch (RuntimeException e) {
                datastoreFailure = e;
            }
        }
        if (datastoreFailure != null) {
            throw new IllegalStateException("the datastore " + datastoreUrl + " could not be read: " + datastoreFailure.getMessage(), datastoreFailure);
        }
        return reading;
    }

    private List<Resource> records() {
        reading();
        if (nodeRecords.isEmpty()) {
            throw new IllegalStateException("node " + node + " is not in the datastore " + datastoreUrl);
        }
        return nodeRecords;
    }

    private String felixConfiguration() {
        return "# effective for node " + node + " (node." + node + " over global over the defaults)\n"
                + ResourceCodec.toYaml(List.of(reading().snapshot(node).config()));
    }

    /** The node's endpoints and what its agent reported about each. */
    private List<Resource> endpoints() {
        List<Resource> endpoints = new ArrayList<>(reading().snapshot(node).endpoints().stream()
                .filter(endpoint -> endpoint.node().equals(node)).toList());
        endpoints.addAll(statuses);
        return endpoints;
    }

    private Collector command(String file, List<String> command) {
        return new Collector(file, () -> {
            CommandRunner.Result result = runner.run(command);
            if (!result.ok()) {
                throw new KernelException(String.join(" ", command) + " exited " + result.exitCode() + ": " + result.stderr().strip());
            }
            return result.stdout();
        });
    }

    private static String read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException(file + " does not exist");
        }
        return Files.readString(file);
    }

    /** Where the agent listens for this page: the address it binds, as its PageListener makes it from the settings. */
    private static String url(String host, int port, String path) {
        InetSocketAddress address = PageListener.address(host, port);
        String literal = address.getAddress().getHostAddress();
        return "http://" + (address.getAddress() instanceof Inet6Address ? "[" + literal + "]" : literal) + ":" + port + path;
    }

    /**
     * A page the agent serves at the address its Felix configuration gives; when it does not answer, the file says
     * so: a fact about the agent, not a failure of the collector.
     */
    private String fetch(Function<FelixConfiguration, String> address, String what) {
        FelixConfiguration config;
        String note = "";
        try {
            config = reading().snapshot(node).config();
        } catch (IllegalStateException e) {
            config = FelixConfiguration.DEFAULTS;
            note = "# the datastore could not be read: trying the default address\n";
        }
        String url = address.apply(config);
        if (url == null) {
            return what + " disabled in FelixConfiguration\n";
        }
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(HTTP_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            return note + "# GET " + url + ": " + response.statusCode() + "\n" + response.body();
        } catch (IOException e) {
            return note + "# GET " + url + ": not reachable (" + e + ")\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "# GET " + url + ": interrupted\n";
        }
    }

    /** The node's logs: every file of its log directory but the denied-flow log and its rotations (collected apart), compressed ones and lock files. */
    private List<Path> logs() {
        if (!Files.isDirectory(paths.logDir())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(paths.logDir())) {
            return files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().startsWith(DeniedFlowFile.NAME)
                    && !file.getFileName().toString().endsWith(".gz") && !file.getFileName().toString().endsWith(".lock")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
