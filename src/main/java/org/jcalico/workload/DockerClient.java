package org.jcalico.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Asks a docker daemon, over its unix socket, where a container runs, and (for the docker plugin) what networks,
 * endpoints and labels it has. Read-only: jcalico never changes docker's state.
 */
public final class DockerClient {
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");
    private static final String UNIX_SCHEME = "unix://";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    // docker's own rule for names; full and short ids fit it too
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path socket;
    private final UnixSocketHttp http;

    public DockerClient(Path socket) {
        this.socket = socket;
        this.http = new UnixSocketHttp(socket, TIMEOUT);
    }

    /** The daemon that DOCKER_HOST names, as the docker command would pick it. */
    public static DockerClient fromEnvironment() {
        return fromDockerHost(System.getenv("DOCKER_HOST"));
    }

    /** The daemon at unix://PATH, or at the default socket when dockerHost is null or empty. */
    public static DockerClient fromDockerHost(String dockerHost) {
        if (dockerHost == null || dockerHost.isBlank()) {
            return new DockerClient(DEFAULT_SOCKET);
        }
        if (!dockerHost.startsWith(UNIX_SCHEME) || !dockerHost.startsWith("/", UNIX_SCHEME.length())) {
            throw new WorkloadException("DOCKER_HOST '" + dockerHost + "' is not supported: expected unix:///PATH/TO/SOCKET");
        }
        return new DockerClient(Path.of(dockerHost.substring(UNIX_SCHEME.length())));
    }

    /** Whether the text can be a container id or name, as docker accepts them. */
    public static boolean isIdOrName(String text) {
        return text != null && NAME.matcher(text).matches();
    }

    public Path socket() {
        return socket;
    }

    /**
     * Whether the daemon serves its API. A socket that accepts connections is not enough: dockerd listens before it
     * has finished starting, and answers only then.
     */
    public boolean answers() {
        try {
            return http.get("/_ping").status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** The container with this id, id prefix or name. */
    public DockerContainer inspect(String idOrName) {
        if (!isIdOrName(idOrName)) {
            throw new WorkloadException("'" + idOrName + "' is not a docker container id or name");
        }
        UnixSocketHttp.Reply reply;
        try {
            reply = http.get("/containers/" + idOrName + "/json");
        } catch (IOException e) {
            throw new WorkloadException("docker daemon not reachable at " + socket + ": " + reason(e));
        }
        if (reply.status() == 404) {
            throw new WorkloadException("no such docker container: " + idOrName);
        }
        JsonNode json = parse(reply.body());
        if (reply.status() != 200) {
            throw new WorkloadException("docker daemon at " + socket + " refused to describe container " + idOrName + ": "
                    + json.path("message").asText("HTTP status " + reply.status()));
        }
        JsonNode state = json.path("State");
        String name = json.path("Name").asText();
        return new DockerContainer(json.path("Id").asText(), name.startsWith("/") ? name.substring(1) : name,
                state.path("Running").asBoolean(), state.path("Pid").asLong());
    }

    /** A docker network's endpoint as dockerd records it: its container and addresses. */
    public record NetworkEndpoint(String networkId, String networkName, String endpointId, String containerId,
                                  String ipv4Address, String ipv6Address) {
    }

    /** A docker network as the plugin needs it: its name. */
    public record Network(String name) {
    }

    /** The network, empty if dockerd knows no such network. */
    public java.util.Optional<Network> network(String networkId) {
        JsonNode network = get("/networks/" + networkId, true);
        if (network == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Network(network.path("Name").asText()));
    }

    /** The subnets of every network of the driver but one ({@code exceptId}), by network name, as dockerd lists them now. */
    public java.util.Map<String, java.util.List<String>> subnets(String driver, String exceptId) {
        java.util.Map<String, java.util.List<String>> subnets = new java.util.TreeMap<>();
        for (JsonNode network : get("/networks", false)) {
            if (driver.equals(network.path("Driver").asText()) && !network.path("Id").asText().equals(exceptId)) {
                java.util.List<String> own = new java.util.ArrayList<>();
                network.path("IPAM").path("Config").forEach(config -> own.add(config.path("Subnet").asText()));
                subnets.put(network.path("Name").asText(), own);
            }
        }
        return subnets;
    }

    /** Every endpoint of every network of the driver, as dockerd lists them now. */
    public java.util.List<NetworkEndpoint> endpoints(String driver) {
        java.util.List<NetworkEndpoint> endpoints = new java.util.ArrayList<>();
        for (JsonNode network : get("/networks", false)) {
            if (!driver.equals(network.path("Driver").asText())) {
                continue;
            }
            JsonNode inspected = get("/networks/" + network.path("Id").asText(), true);
            if (inspected == null) {
                continue;
            }
            inspected.path("Containers").fields().forEachRemaining(entry -> endpoints.add(new NetworkEndpoint(
                    inspected.path("Id").asText(), inspected.path("Name").asText(), entry.getValue().path("EndpointID").asText(),
                    entry.getKey(), entry.getValue().path("IPv4Address").asText(), entry.getValue().path("IPv6Address").asText())));
        }
        return endpoints;
    }

    /**
     * The container's labels, from dockerd's list of containers: unlike inspecting the container, listing does not
     * wait for the container's lock, which dockerd holds while it starts the container and asks a plugin to join it.
     */
    public java.util.Map<String, String> labels(String containerId) {
        if (!isIdOrName(containerId)) {
            throw new WorkloadException("'" + containerId + "' is not a docker container id");
        }
        String filter = java.net.URLEncoder.encode("{\"id\":[\"" + containerId + "\"]}", java.nio.charset.StandardCharsets.UTF_8);
        java.util.Map<String, String> labels = new java.util.TreeMap<>();
        for (JsonNode container : get("/containers/json?all=1&filters=" + filter, false)) {
            container.path("Labels").fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
        }
        return labels;
    }

    /**
     * The labels of each container that dockerd lists on the network but that has no endpoint there yet, by container
     * id: the containers being started on it. Listing takes no container's lock, and dockerd lists a container with
     * the networks it was created with before it starts it, whereas it records the endpoint only after the driver's
     * Join has answered.
     */
    public java.util.Map<String, java.util.Map<String, String>> joining(String networkName) {
        String filter = java.net.URLEncoder.encode("{\"network\":[\"" + networkName + "\"]}", java.nio.charset.StandardCharsets.UTF_8);
        java.util.Map<String, java.util.Map<String, String>> joining = new java.util.TreeMap<>();
        for (JsonNode container : get("/containers/json?all=1&filters=" + filter, false)) {
            JsonNode network = container.path("NetworkSettings").path("Networks").path(networkName);
            if (network.isMissingNode() || !network.path("EndpointID").asText().isEmpty()) {
                continue;
            }
            java.util.Map<String, String> labels = new java.util.TreeMap<>();
            container.path("Labels").fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
            joining.put(container.path("Id").asText(), labels);
        }
        return joining;
    }

    /** The JSON at the path; null for 404 if {@code absentIsNull}. */
    private JsonNode get(String path, boolean absentIsNull) {
        UnixSocketHttp.Reply reply;
        try {
            reply = http.get(path);
        } catch (IOException e) {
            throw new WorkloadException("docker daemon not reachable at " + socket + ": " + reason(e));
        }
        if (reply.status() == 404 && absentIsNull) {
            return null;
        }
        JsonNode json = parse(reply.body());
        if (reply.status() != 200) {
            throw new WorkloadException("docker daemon at " + socket + " refused " + path + ": "
                    + json.path("message").asText("HTTP status " + reply.status()));
        }
        return json;
    }

    private JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new WorkloadException("docker daemon at " + socket + " answered something that is not JSON: "
                    + e.getOriginalMessage());
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
