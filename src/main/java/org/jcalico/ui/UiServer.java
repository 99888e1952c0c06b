package org.jcalico.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.ControlServer;
import org.jcalico.agent.ControlServer.Page;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.felix.ClusterReading;
import org.jcalico.log.Log;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;

/**
 * `jcalico ui`: one page (HTML with its CSS and script inline, nothing fetched from elsewhere) and the JSON it polls,
 * served by {@link ControlServer#startQueryPages} under the agent's endpoint limits. Every answer is computed afresh
 * from the datastore, the nodes' run directories and their denied-flow logs; nothing is cached and nothing written.
 * Every path, the page included, answers only a request that carries the {@link UiToken} made at start: 401 and
 * nothing else before anything is read.
 */
public final class UiServer implements AutoCloseable {
    static final int FLOWS_SHOWN = 100;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Datastore datastore;
    private final Path runRoot;
    private final Path logRoot;
    private final DeniedFlowFeed flows;
    private final UiToken token = UiToken.generate();
    private final ControlServer server;

    private UiServer(Datastore datastore, Path runRoot, Path logRoot, InetSocketAddress address, Log log) throws IOException {
        this.datastore = datastore;
        this.runRoot = runRoot;
        this.logRoot = logRoot;
        this.flows = new DeniedFlowFeed(logRoot);
        byte[] page = page();
        Map<String, Function<Map<String, String>, Page>> pages = Map.of(
                "/", query -> new Page(200, "text/html; charset=utf-8", page),
                "/api/cluster", query -> json(this::cluster),
                "/api/flows", query -> json(this::flows),
                "/api/matrix", query -> json(() -> matrix(query)));
        Map<String, Function<Map<String, String>, Page>> guarded = new java.util.HashMap<>();
        pages.forEach((path, answer) -> guarded.put(path, query -> token.admits(query.get("token")) ? answer.apply(query) : REFUSED));
        this.server = ControlServer.startQueryPages(address, guarded, "ui", log);
    }

    private static final Page REFUSED = Page.text(401, "text/plain; charset=utf-8",
            "401 Unauthorized: open the address `jcalico ui` printed, with its token\n");

    /** Serves the UI at {@code address} until closed; {@code datastore} stays the caller's. */
    public static UiServer start(Datastore datastore, Path runRoot, Path logRoot, InetSocketAddress address, Log log)
            throws IOException {
        return new UiServer(datastore, runRoot, logRoot, address, log);
    }

    /** What a request's target needs after the path to be answered: the token, as the printed URL's query. */
    public String query() {
        return token.query();
    }

    private static byte[] page() {
        try (InputStream in = UiServer.class.getResourceAsStream("index.html")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One reading at a time: the datastore client is shared by the server's threads (one virtual thread per connection). */
    private synchronized Object cluster() {
        ResourceStore store = new ResourceStore(datastore);
        List<Node> nodes = store.list(Node.class).stream().map(Versioned::resource).toList();
        Map<String, NodeFacts> facts = nodes.stream().collect(Collectors.toMap(Node::name,
                node -> NodeFacts.read(node.name(), AgentPaths.of(node.name(), runRoot, logRoot))));
        Map<String, EndpointStatus> statuses = store.list(EndpointStatus.class).stream().map(Versioned::resource)
                .collect(Collectors.toMap(EndpointStatus::endpointId, status -> status, (a, b) -> a));
        return ClusterView.of(nodes, facts, ClusterReading.of(datastore).policyCluster(), statuses);
    }

    private Object flows() {
        List<String> nodes;
        synchronized (this) {
            nodes = new ResourceStore(datastore).list(Node.class).stream().map(v -> v.resource().name()).toList();
        }
        try {
            return Map.of("flows", flows.latest(nodes, FLOWS_SHOWN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized Object matrix(Map<String, String> query) {
        List<String> ids = Arrays.stream(query.getOrDefault("endpoints", "").split(",")).filter(id -> !id.isBlank()).toList();
        String port = query.get("port");
        Integer portNumber;
        try {
            portNumber = port == null || port.isBlank() ? null : Integer.valueOf(port);
        } catch (NumberFormatException e) {
            throw ValidationException.field("port", port, "is not a port number 1-65535");
        }
        String protocol = query.get("protocol");
        return ConnectivityMatrix.of(ClusterReading.of(datastore).policyCluster(), ids,
                protocol == null || protocol.isBlank() ? null : protocol, portNumber);
    }

    /** The answer as JSON: 400 with the message for a bad question, 503 when the datastore cannot be read. */
    private static Page json(java.util.function.Supplier<Object> answer) {
        int status = 200;
        Object body;
        try {
            body = answer.get();
        } catch (ValidationException e) {
            status = 400;
            body = Map.of("error", e.getMessage());
        } catch (DatastoreException | UncheckedIOException e) {
            status = 503;
            body = Map.of("error", String.valueOf(e.getMessage()));
        }
        try {
            return new Page(status, "application/json", JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
