package org.jcalico.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.jcalico.model.ValidationException;

/** The one question jcalico asks the docker daemon: which container is this, and which process runs it. */
public final class DockerClient {
    private final String socket;

    public DockerClient(String socket) {
        this.socket = socket;
    }

    /** DOCKER_HOST=unix://PATH if set, else docker's default socket. */
    public static DockerClient fromEnvironment() {
        String host = System.getenv("DOCKER_HOST");
        return new DockerClient(host != null && host.startsWith("unix://") ? host.substring("unix://".length())
                : "/var/run/docker.sock");
    }

    /** A running container by id, id prefix or name. */
    public record Container(String id, String name, long pid) {
    }

    public Container inspect(String idOrName) {
        String path = "/containers/" + URLEncoder.encode(idOrName, StandardCharsets.UTF_8) + "/json";
        String response = get(path);
        int split = response.indexOf("\r\n\r\n");
        String statusLine = response.substring(0, Math.max(0, response.indexOf("\r\n")));
        String body = split < 0 ? "" : response.substring(split + 4);
        if (statusLine.contains(" 404 ")) {
            throw new ValidationException("container '" + idOrName + "' does not exist (not a docker container; "
                    + "use pid:N or netns:NAME for others)");
        }
        if (!statusLine.contains(" 200 ")) {
            throw new ValidationException("docker daemon at " + socket + " answered '" + statusLine + "' for container '" + idOrName + "'");
        }
        try {
            JsonNode json = new JsonMapper().readTree(body);
            if (!json.path("State").path("Running").asBoolean(false)) {
                throw new ValidationException("container '" + idOrName + "' is not running");
            }
            return new Container(json.path("Id").asText(), json.path("Name").asText().replaceFirst("^/", ""),
                    json.path("State").path("Pid").asLong());
        } catch (IOException e) {
            throw new ValidationException("docker daemon at " + socket + " sent an unreadable answer: " + e.getMessage());
        }
    }

    private String get(String path) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(16384);
            while (channel.read(buffer) >= 0) {
                response.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return response.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ValidationException("docker daemon not reachable at unix://" + socket + " (" + e.getMessage()
                    + "); is it running, or is DOCKER_HOST set?");
        }
    }
}
