package org.jcalico.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/** Asks a docker daemon, over its unix socket, where a container runs. Read-only: jcalico never changes docker's state. */
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
