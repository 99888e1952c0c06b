package org.jcalico.flows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;

/**
 * One packet as ulogd's JSON output writes it (stack NFLOG, BASE, IP2STR, JSON): the rule's prefix, when the kernel
 * logged it, and what the headers say. ICMPv6's type and code arrive under their own keys.
 */
record UlogdPacket(String prefix, Instant time, int protocol, String source, String destination, Integer sourcePort,
                   Integer destinationPort, Integer icmpType, Integer icmpCode) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The packet of a line; throws IllegalArgumentException for a line that has no prefix or addresses. */
    static UlogdPacket parse(String line) {
        JsonNode json;
        try {
            json = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("ulogd wrote a line that is not JSON: " + line, e);
        }
        if (json == null || !json.hasNonNull("oob.prefix") || !json.hasNonNull("src_ip") || !json.hasNonNull("dest_ip")) {
            throw new IllegalArgumentException("ulogd wrote a packet without prefix or addresses: " + line);
        }
        // milliseconds, as the log writes it: the kernel's stamp is taken when the packet is logged, not on the wire
        Instant time = (json.hasNonNull("oob.time.sec")
                ? Instant.ofEpochSecond(json.get("oob.time.sec").asLong(), json.path("oob.time.usec").asLong() * 1000)
                : Instant.now()).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        boolean v6 = json.has("icmpv6.type");
        return new UlogdPacket(json.get("oob.prefix").asText(), time, json.path("ip.protocol").asInt(-1),
                json.get("src_ip").asText(), json.get("dest_ip").asText(), number(json, "src_port"),
                number(json, "dest_port"), number(json, v6 ? "icmpv6.type" : "icmp.type"),
                number(json, v6 ? "icmpv6.code" : "icmp.code"));
    }

    /** The protocol as the denied-flow log names it. */
    String protocolName() {
        return switch (protocol) {
            case 1 -> "icmp";
            case 6 -> "tcp";
            case 17 -> "udp";
            case 58 -> "icmpv6";
            case 132 -> "sctp";
            default -> Integer.toString(protocol);
        };
    }

    private static Integer number(JsonNode json, String key) {
        JsonNode value = json.get(key);
        return value == null || !value.canConvertToInt() ? null : value.asInt();
    }
}
