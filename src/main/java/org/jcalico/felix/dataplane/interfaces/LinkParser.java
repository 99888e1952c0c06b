package org.jcalico.felix.dataplane.interfaces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** Reads "ip -j link show" output: each interface's name and whether it is administratively up. */
public final class LinkParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LinkParser() {
    }

    public static Map<String, Boolean> parse(String json) {
        Map<String, Boolean> links = new HashMap<>();
        JsonNode array;
        try {
            array = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("ip -j link printed no JSON: " + e.getMessage(), e);
        }
        for (JsonNode link : array) {
            boolean up = false;
            for (JsonNode flag : link.path("flags")) {
                up |= flag.asText().equals("UP");
            }
            links.put(link.path("ifname").asText(), up);
        }
        return links;
    }
}
