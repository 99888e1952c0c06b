package org.jcalico.agent.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** One parsed request: its header names in lower case, its body whole (bounded by the reader). */
public record HttpRequest(String method, String target, String version, Map<String, String> headers, byte[] body) {
    public HttpRequest {
        headers = Map.copyOf(headers);
    }

    /** Whether the client asks for the connection to end with this answer (HTTP/1.0 ends it unless asked not to). */
    public boolean lastOnConnection() {
        String connection = headers.getOrDefault("connection", "").toLowerCase(java.util.Locale.ROOT);
        return connection.contains("close") || version.equals("HTTP/1.0") && !connection.contains("keep-alive");
    }

    /** The target up to its query, as sent (the agent's paths need no decoding). */
    public String path() {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /**
     * The query's parameters, percent- and plus-decoded as a form's, the first value of each name.
     *
     * @throws IllegalArgumentException for a malformed percent-encoding, the client's error
     */
    public Map<String, String> query() {
        Map<String, String> query = new HashMap<>();
        int start = target.indexOf('?');
        if (start < 0) {
            return query;
        }
        for (String field : target.substring(start + 1).split("&")) {
            if (field.isEmpty()) {
                continue;
            }
            int equals = field.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? field : field.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(field.substring(equals + 1), StandardCharsets.UTF_8);
            query.putIfAbsent(name, value);
        }
        return query;
    }
}
