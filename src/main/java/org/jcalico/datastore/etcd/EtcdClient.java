package org.jcalico.datastore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.jcalico.datastore.DatastoreException;

/**
 * etcd's v3 API through its JSON gateway (POST /v3/kv/range, /v3/kv/txn, /v3/watch ...): the same calls as gRPC,
 * with keys and values in base64. Members are tried in order until one answers.
 */
final class EtcdClient {
    static final JsonMapper JSON = new JsonMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final List<URI> members;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    EtcdClient(List<URI> members) {
        this.members = List.copyOf(members);
    }

    /** One unary call; the first member that answers decides. */
    JsonNode call(String path, ObjectNode body) {
        IOException last = null;
        for (URI member : members) {
            try {
                HttpResponse<String> response = http.send(request(member, path, body).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode json = JSON.readTree(response.body());
                if (response.statusCode() != 200) {
                    throw new DatastoreException("etcd at " + member + " refused " + path + ": "
                            + json.path("error").asText(json.path("message").asText(response.body())));
                }
                return json;
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatastoreException("interrupted while talking to etcd");
            }
        }
        throw new DatastoreException("etcd not reachable at " + members + ": "
                + (last == null || last.getMessage() == null ? String.valueOf(last) : last.getMessage()));
    }

    /** A streaming call (a watch): the lines of the response as they arrive, from the first member that answers. */
    Stream<String> stream(String path, ObjectNode body) throws IOException, InterruptedException {
        IOException last = null;
        for (URI member : members) {
            try {
                HttpResponse<Stream<String>> response = http.send(request(member, path, body).build(),
                        HttpResponse.BodyHandlers.ofLines());
                if (response.statusCode() == 200) {
                    return response.body();
                }
                response.body().close();
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("no etcd member accepted " + path);
    }

    private static HttpRequest.Builder request(URI member, String path, ObjectNode body) {
        return HttpRequest.newBuilder(member.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    }

    static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(JsonNode base64) {
        return base64.isMissingNode() || base64.isNull() ? "" : new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.UTF_8);
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }
}
