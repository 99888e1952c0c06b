package org.jcalico.datastore.etcd;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.util.BoundedInput;

/**
 * etcd's v3 API through its JSON gateway (POST /v3/kv/range, /v3/kv/txn, /v3/watch ...): the same calls as gRPC,
 * with keys and values in base64. Members are tried in order until one answers. Over TLS when the endpoint says so;
 * with a user, every call carries the token etcd gave for the user's password, renewed when etcd no longer takes it.
 * A TLS or authentication failure is a matter of configuration, so it ends the call at once with what went wrong;
 * but when etcd refuses the password, the password file is read again first (a password rotated in etcd and in its
 * file: docs/datastore.md, "Errors").
 */
final class EtcdClient {
    static final JsonMapper JSON = new JsonMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** The most of a refusal's answer read for its message. */
    private static final int MAX_REFUSAL = 1 << 16;
    private final EtcdEndpoint endpoint;
    private final HttpClient http;
    private volatile String token;
    /** The user's password as last read: at the open, and again when etcd refused it. */
    private volatile String password;

    EtcdClient(EtcdEndpoint endpoint) {
        this.endpoint = endpoint;
        this.password = endpoint.password();
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2));
        // without a context of its own the client makes the JDK's default one, which reads and parses the JDK's CA
        // certificates even when every member is http:// (50-200 ms of an agent's start-up, measured in a bare JVM)
        builder.sslContext(endpoint.tls() ? PemTls.context(endpoint.ca(), endpoint.cert(), endpoint.key()) : NoTls.context());
        this.http = builder.build();
    }

    /** One unary call; the first member that answers decides. */
    JsonNode call(String path, ObjectNode body) {
        return call(path, body, EtcdClient::tree);
    }

    private static JsonNode tree(JsonParser parser) throws IOException {
        JsonNode tree = JSON.readTree(parser);
        return tree == null ? MissingNode.getInstance() : tree;
    }

    /**
     * One unary call whose answer the reader parses as it arrives: a page of a listing is megabytes of JSON, which
     * read as one tree would be held twice (text and tree) and walked twice.
     */
    <T> T call(String path, ObjectNode body, AnswerReader<T> reader) {
        return call(path, body, reader, 0);
    }

    /**
     * The same, tried first at the member numbered FIRST (modulo their number), then at the others in order: the
     * parts of a listing read at once are spread over the members, each encoding its share.
     */
    <T> T call(String path, ObjectNode body, AnswerReader<T> reader, int first) {
        return authorized(token -> send(path, body, token, reader, first)).value();
    }

    /**
     * A call that writes: its answer, and whether a member before the one that answered may have applied it (it was
     * sent, and the connection then failed or fell silent), so that a condition the write itself broke can be told
     * from someone else's write.
     */
    Answered<JsonNode> write(String path, ObjectNode body) {
        return authorized(token -> send(path, body, token, EtcdClient::tree, 0));
    }

    /** An answer, and whether an earlier member lost its answer to the same call. */
    record Answered<T>(T value, boolean afterLostAnswer) {
    }

    /**
     * A call made with the user's token (null without a user), made once more with a fresh token when etcd no longer
     * takes it: tokens expire (etcd's --auth-token-ttl). The call says so by throwing what {@link #refusal} gives.
     */
    <T> T authorized(Function<String, T> call) {
        String used = authorization();
        try {
            return call.apply(used);
        } catch (TokenRefused e) {
            forgetToken();
            return call.apply(authorization());
        }
    }

    /** Reads a successful answer's JSON from its parser. */
    @FunctionalInterface
    interface AnswerReader<T> {
        T read(JsonParser parser) throws IOException;
    }

    private <T> Answered<T> send(String path, ObjectNode body, String authorization, AnswerReader<T> reader, int first) {
        IOException last = null;
        URI lastMember = null;
        boolean lostAnswer = false;
        List<URI> members = endpoint.members();
        for (int i = 0; i < members.size(); i++) {
            URI member = members.get((first + i) % members.size());
            try {
                Exchanged exchanged = exchange(request(member, path, body, authorization).timeout(TIMEOUT).build());
                lostAnswer |= exchanged.afterLostAnswer();
                HttpResponse<InputStream> response = exchanged.response();
                try (InputStream answer = BoundedInput.whole(new SilenceBoundedAnswer(response.body(), member, TIMEOUT),
                        "etcd at " + member + " sent", EtcdGrpc.MAX_ANSWER)) {
                    if (response.statusCode() != 200) {
                        // etcd's refusal is a line of JSON: more is not a refusal to read out
                        String text = new String(answer.readNBytes(MAX_REFUSAL), StandardCharsets.UTF_8);
                        JsonNode json = JSON.readTree(text);
                        String message = json.path("error").asText(json.path("message").asText(text));
                        throw refusal(member, path, message, authorization != null);
                    }
                    try (JsonParser parser = JSON.createParser(answer)) {
                        return new Answered<>(reader.read(parser), lostAnswer);
                    }
                }
            } catch (SSLException e) {
                throw tlsFailure(member, e);
            } catch (IOException e) {
                if (e.getCause() instanceof SSLException tls) {
                    throw tlsFailure(member, tls);
                }
                last = e;
                lastMember = member;
                // refused or not connected in time: the member never had the request
                lostAnswer |= !(e instanceof java.net.ConnectException || e instanceof java.net.http.HttpConnectTimeoutException);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatastoreException("interrupted while talking to etcd");
            }
        }
        String reason = last == null || last.getMessage() == null ? String.valueOf(last) : last.getMessage();
        if (endpoint.tls() && reason.contains("received no bytes")) {
            // with TLS 1.3 a server checks the client's certificate after the handshake and then just hangs up
            throw new DatastoreException("TLS with etcd at " + lastMember + " failed: it closed the connection right after"
                    + " the handshake, as etcd does when it did not accept our client certificate, or we sent none"
                    + " (--etcd-cert and --etcd-key)");
        }
        throw new DatastoreException(unreachable(reason));
    }

    /** What a user reads when no member answered: "etcd not reachable at MEMBERS: REASON". */
    String unreachable(String reason) {
        return "etcd not reachable at " + endpoint.members() + ": " + reason;
    }

    /**
     * One request to one member, sent once more on a new connection when its connection closes before any answer:
     * a kept-alive connection the member or the network dropped while idle is not the member being unreachable (the
     * JDK's client sends again only idempotent methods, and etcd's calls are POSTs), nor is a member failing right
     * after a commit, which the second answer tells apart (the answer may have been lost: {@link Answered}). Refused
     * connections, timeouts and TLS failures are the member's and go to the next one.
     */
    private Exchanged exchange(HttpRequest request) throws IOException, InterruptedException {
        try {
            return new Exchanged(http.send(request, HttpResponse.BodyHandlers.ofInputStream()), false);
        } catch (java.net.ConnectException | java.net.http.HttpTimeoutException | SSLException e) {
            throw e;
        } catch (IOException e) {
            if (e.getCause() instanceof SSLException) {
                throw e;
            }
            return new Exchanged(http.send(request, HttpResponse.BodyHandlers.ofInputStream()), true);
        }
    }

    private record Exchanged(HttpResponse<InputStream> response, boolean afterLostAnswer) {
    }

    /**
     * A streaming call (a watch): the lines of the response as they arrive, from the first member that answers. The
     * timeout covers only the wait for the response to start; the stream's own silence is the caller's to judge.
     */
    Stream<String> stream(String path, ObjectNode body) throws IOException, InterruptedException {
        IOException last = null;
        String authorization = authorization();
        for (URI member : endpoint.members()) {
            try {
                HttpResponse<InputStream> response = http.send(request(member, path, body, authorization).timeout(TIMEOUT)
                        .build(), HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() == 200) {
                    return lines(response.body(), member);
                }
                response.body().close();
                if (response.statusCode() == 401) {
                    forgetToken();
                }
            } catch (SSLException e) {
                throw tlsFailure(member, e);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("no etcd member accepted " + path);
    }

    /**
     * The answers of a stream, one a line, each of at most {@link EtcdGrpc#MAX_ANSWER} bytes (a line without end would
     * fill the heap). Closing the stream closes the connection, from any thread: that ends a read waiting on it.
     */
    private static Stream<String> lines(InputStream answers, URI member) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(
                BoundedInput.perLine(answers, "etcd at " + member + " sent", EtcdGrpc.MAX_ANSWER), StandardCharsets.UTF_8));
        // not the reader's close: a read under way holds the reader's lock until it ends
        return reader.lines().onClose(() -> {
            try {
                answers.close();
            } catch (IOException e) {
                // closed already
            }
        });
    }

    /** The next call asks etcd for a new token. */
    void forgetToken() {
        token = null;
    }

    /** The token to send, asking etcd for one first if there is a user and no token yet; null without a user. */
    private String authorization() {
        String current = token;
        if (endpoint.user() == null || current != null) {
            return current;
        }
        token = authenticate();
        return token;
    }

    /**
     * A token for the user's password. When etcd refuses the password, the user may have rotated it, in etcd and in
     * the password file: the file is read again and, if it says something else now, tried once more. This is the one
     * place every call gets its token (the gateway's calls, the watch, the listing over gRPC): the agent's own store
     * and the one it keeps for its served commands follow a rotation without a restart, as each command's own store,
     * which reads the file at its open, does.
     */
    private String authenticate() {
        String used = password;
        try {
            return tokenFor(used);
        } catch (DatastoreException refused) {
            if (!refused.getMessage().contains("invalid user ID or password") || endpoint.passwordFile() == null) {
                throw refused;
            }
            String now = endpoint.passwordNow();
            if (now.equals(used)) {
                throw new DatastoreException(refused.getMessage() + " (with the password in " + endpoint.passwordFile() + ")");
            }
            password = now;
            try {
                return tokenFor(now);
            } catch (DatastoreException again) {
                throw new DatastoreException(again.getMessage() + " (with the password in " + endpoint.passwordFile()
                        + ", read again after etcd refused the one read before)");
            }
        }
    }

    private String tokenFor(String password) {
        ObjectNode credentials = object().put("name", endpoint.user()).put("password", password);
        JsonNode response;
        try {
            response = send("v3/auth/authenticate", credentials, null, EtcdClient::tree, 0).value();
        } catch (DatastoreException e) {
            throw new DatastoreException("etcd: authentication as '" + endpoint.user() + "' failed: " + e.getMessage());
        }
        String given = response.path("token").asText(null);
        if (given == null || given.isEmpty()) {
            throw new DatastoreException("etcd: authentication as '" + endpoint.user() + "' gave no token (is auth enabled?)");
        }
        return given;
    }

    /** What etcd's refusal of a call means: a token it no longer takes (to renew), else the refusal with advice. */
    static RuntimeException refusal(URI member, String path, String message, boolean withToken) {
        if (withToken && tokenRefusal(message)) {
            return new TokenRefused();
        }
        return new DatastoreException("etcd at " + member + " refused " + path + ": " + message + advice(message));
    }

    /**
     * What to do about a refusal whose words alone do not say: a commit is one transaction (an apply's whole file), and
     * etcd's limits on one are its own settings.
     */
    private static String advice(String message) {
        if (message.contains("user name is empty")) {
            return " (etcd wants a user: --etcd-user)";
        }
        if (message.contains("too many operations in txn request")) {
            return " (etcd takes at most 128 operations in one transaction unless started with a higher --max-txn-ops;"
                    + " apply fewer resources at once)";
        }
        // the second: the gRPC limit in front of it, 512 KiB above
        if (message.contains("request is too large") || message.contains("received message larger than max")) {
            return " (etcd takes a request of at most 1.5 MiB unless started with a higher --max-request-bytes;"
                    + " apply fewer resources at once)";
        }
        return "";
    }

    static DatastoreException tlsFailure(URI member, SSLException e) {
        String message = String.valueOf(e.getMessage());
        String meaning;
        if (message.contains("PKIX") || message.contains("certification path")) {
            meaning = "its certificate is not signed by a CA we trust (give etcd's CA with --etcd-ca)";
        } else if (message.contains("No subject alternative") || message.contains("No name matching")) {
            meaning = "its certificate is not for this address (" + message + ")";
        } else if (message.contains("certificate_required") || message.contains("bad_certificate")
                || message.contains("unknown_ca") || message.contains("certificate_unknown")) {
            meaning = "it did not accept our client certificate, or we sent none (--etcd-cert and --etcd-key): " + message;
        } else {
            meaning = message;
        }
        return new DatastoreException("TLS with etcd at " + member + " failed: " + meaning);
    }

    private static HttpRequest.Builder request(URI member, String path, ObjectNode body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(member.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    /**
     * Whether etcd's error message refuses the token rather than the call: one it forgot (expired, or etcd restarted),
     * or one given before a change to etcd's users or roles ("revision of auth store is old": for good with JWT tokens,
     * which carry the auth store's revision; with simple ones for a call that raced the change). etcd's own client
     * renews its token on both.
     */
    static boolean tokenRefusal(String message) {
        return message.contains("invalid auth token") || message.contains("revision of auth store is old");
    }

    /** Whether {@code failure} is etcd's refusal of a token it gave, which {@link #authorized} renews. */
    static boolean isTokenRefused(Throwable failure) {
        return failure instanceof TokenRefused;
    }

    /** etcd no longer takes the token it gave. */
    private static final class TokenRefused extends RuntimeException {
        TokenRefused() {
            super(null, null, false, false);
        }
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
