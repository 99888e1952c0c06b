package org.jcalico.flows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One packet that policy dropped, as one line of LOG_ROOT/NODE/denied-flows.jsonl (the shared contract of
 * docs/observability.md, "Denied flows"): ports for TCP, UDP and SCTP, type and code for ICMP.
 *
 * @param direction "ingress" (to the endpoint) or "egress" (from it)
 * @param protocol  tcp, udp, icmp, icmpv6, sctp, or the protocol's number
 */
public record DeniedFlow(Instant time, String node, String direction, String endpoint, String protocol, String source,
                         String destination, Integer sourcePort, Integer destinationPort, Integer icmpType,
                         Integer icmpCode, DroppedBy droppedBy) {
    public static final String INGRESS = "ingress";
    public static final String EGRESS = "egress";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** The time as the log writes it: ISO-8601 UTC with milliseconds. */
    public String timeText() {
        return TIME.format(time);
    }

    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("time", timeText());
        json.put("node", node);
        json.put("direction", direction);
        DroppedBy.putIfSet(json, "endpoint", endpoint);
        json.put("protocol", protocol);
        json.put("source", source);
        json.put("destination", destination);
        DroppedBy.putIfSet(json, "sourcePort", sourcePort);
        DroppedBy.putIfSet(json, "destinationPort", destinationPort);
        DroppedBy.putIfSet(json, "icmpType", icmpType);
        DroppedBy.putIfSet(json, "icmpCode", icmpCode);
        json.put("droppedBy", droppedBy.json());
        try {
            return JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is always JSON", e);
        }
    }

    /** A line of the log; throws IllegalArgumentException for one that is not a denied flow. */
    public static DeniedFlow fromJson(String line) {
        try {
            JsonNode json = JSON.readTree(line);
            JsonNode by = json.path("droppedBy");
            if (!json.isObject() || !json.hasNonNull("time") || !by.isObject()) {
                throw new IllegalArgumentException("not a denied flow: " + line);
            }
            return new DeniedFlow(Instant.parse(json.get("time").asText()), text(json, "node"), text(json, "direction"),
                    text(json, "endpoint"), text(json, "protocol"), text(json, "source"), text(json, "destination"),
                    number(json, "sourcePort"), number(json, "destinationPort"), number(json, "icmpType"),
                    number(json, "icmpCode"), new DroppedBy(text(by, "kind"), text(by, "tier"), text(by, "policy"),
                    number(by, "rule"), text(by, "profile")));
        } catch (JsonProcessingException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not a denied flow: " + line, e);
        }
    }

    /** "SPORT -> DPORT", "type T/C" or "-". */
    public String ports() {
        if (icmpType != null) {
            return "type " + icmpType + (icmpCode == null ? "" : "/" + icmpCode);
        }
        if (destinationPort != null) {
            return (sourcePort == null ? "*" : sourcePort) + " -> " + destinationPort;
        }
        return "-";
    }

    private static String text(JsonNode json, String key) {
        JsonNode value = json.get(key);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Integer number(JsonNode json, String key) {
        JsonNode value = json.get(key);
        return value == null || !value.canConvertToInt() ? null : value.asInt();
    }
}
