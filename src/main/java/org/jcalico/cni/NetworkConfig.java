package org.jcalico.cni;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jcalico.model.Cidr;
import org.jcalico.model.Names;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Shown;

/**
 * The network configuration a runtime hands the plugin on standard input, as jcalico reads it: the CNI fields, and
 * jcalico's own (where the datastore is, which node this is, where its agent's socket and logs live, profiles, labels, the
 * pools to take addresses from). Everything else is left alone, as the specification allows; the bytes themselves are
 * kept for a delegated IPAM plugin, which gets the configuration unchanged.
 *
 * @param ipamType  the IPAM plugin: {@value #JCALICO_IPAM} (jcalico's own, done in-process) or one found in CNI_PATH
 * @param dns       the configuration's "dns" object, given back in the result; null when absent
 * @param prevResult the previous plugin's result (null when absent)
 * @param validAttachments GC's "cni.dev/valid-attachments" (null when absent)
 */
public record NetworkConfig(String cniVersion, String name, String type, String datastore, String nodename,
                            String runDir, String logDir, List<String> profiles, Map<String, String> labels, String ipamType,
                            List<Cidr> pools, JsonNode dns, JsonNode prevResult, List<AttachmentId> validAttachments,
                            byte[] bytes) {
    public static final String JCALICO_IPAM = "jcalico-ipam";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The specification's rule for network names. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
    private static final Pattern VERSION_TEXT = Pattern.compile("\"cniVersion\"\\s*:\\s*\"([0-9.]+)\"");

    /** One attachment GC must keep. */
    public record AttachmentId(String containerId, String ifname) {
    }

    /**
     * The largest configuration taken: a conflist's entry with a previous result and runtime settings is a few KiB;
     * what is larger comes from a broken or hostile caller, and is refused before it is parsed (docs/cni.md, "Errors").
     */
    public static final int MAX_BYTES = 256 * 1024;

    /** Parses the configuration; a malformed one is a CniError with the specification's code. */
    public static NetworkConfig parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw invalid("the configuration is larger than " + MAX_BYTES / 1024 + " KiB");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new CniError(CniError.DECODING_FAILURE, "cannot decode the network configuration",
                    e instanceof JsonProcessingException p ? where(p) : e.getMessage());
        }
        if (!(tree instanceof ObjectNode config)) {
            throw new CniError(CniError.DECODING_FAILURE, "cannot decode the network configuration", "it is not a JSON object");
        }
        String version = text(config, "cniVersion");
        if (version == null) {
            throw invalid("cniVersion: missing");
        }
        String name = text(config, "name");
        if (name != null && !NAME.matcher(name).matches()) {
            throw invalid("name: '" + Shown.value(name)
                    + "' is not a network name (a letter or digit, then letters, digits, _ . -)");
        }
        // the name reaches a label value and every IPAM handle of the network (kept in its blocks' records)
        if (name != null && name.length() > Names.MAX_TEXT) {
            throw invalid("name: '" + Shown.value(name) + "' is longer than " + Names.MAX_TEXT + " characters");
        }
        JsonNode ipam = config.get("ipam");
        if (ipam != null && !ipam.isObject()) {
            throw invalid("ipam: not an object");
        }
        String ipamType = ipam == null || text((ObjectNode) ipam, "type") == null ? JCALICO_IPAM : text((ObjectNode) ipam, "type");
        List<Cidr> pools = new ArrayList<>();
        for (String pool : strings(ipam == null ? null : (ObjectNode) ipam, "pools")) {
            try {
                pools.add(Cidr.parse(pool));
            } catch (ValidationException e) {
                throw invalid("ipam.pools: " + e.getMessage());
            }
        }
        if (!pools.isEmpty() && !ipamType.equals(JCALICO_IPAM)) {
            throw new CniError(CniError.UNSUPPORTED_FIELD, "unsupported field", "ipam.pools: " + pools
                    + " (pools are jcalico-ipam's; " + ipamType + " takes its own settings)");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode labelsNode = config.get("labels");
        if (labelsNode != null && !labelsNode.isNull()) {
            if (!labelsNode.isObject()) {
                throw invalid("labels: not an object of strings");
            }
            labelsNode.fields().forEachRemaining(label -> {
                if (!label.getValue().isTextual()) {
                    throw invalid("labels." + Shown.value(label.getKey()) + ": not a string");
                }
                labels.put(label.getKey(), label.getValue().asText());
            });
        }
        JsonNode dns = config.get("dns");
        if (dns != null && !dns.isObject() && !dns.isNull()) {
            throw invalid("dns: not an object");
        }
        JsonNode prevResult = config.get("prevResult");
        if (prevResult != null && !prevResult.isObject() && !prevResult.isNull()) {
            throw invalid("prevResult: not an object");
        }
        ObjectNode ipamObject = ipam == null ? null : (ObjectNode) ipam;
        return new NetworkConfig(version, name, text(config, "type"), located(config, ipamObject, "datastore"),
                located(config, ipamObject, "nodename"), located(config, ipamObject, "run_dir"),
                located(config, ipamObject, "log_dir"), strings(config, "profiles"),
                labels, ipamType, pools,
                dns == null || dns.isNull() ? null : dns, prevResult == null || prevResult.isNull() ? null : prevResult,
                attachments(config), bytes.clone());
    }

    /**
     * The configuration's cniVersion as far as it can be read, for an error about the configuration itself: from the
     * text when it is no JSON, as a runtime that reads the error would.
     */
    public static String versionOf(byte[] bytes) {
        try {
            JsonNode version = JSON.readTree(bytes).get("cniVersion");
            return version != null && version.isTextual() ? version.asText() : CniVersion.LATEST;
        } catch (java.io.IOException | RuntimeException e) {
            java.util.regex.Matcher version = VERSION_TEXT.matcher(new String(bytes, StandardCharsets.UTF_8));
            return version.find() ? version.group(1) : CniVersion.LATEST;
        }
    }

    /** Jackson's message without its own location (which names no source here), and the line and column. */
    private static String where(JsonProcessingException e) {
        String message = e.getOriginalMessage().replaceAll("\\s*\\(start marker at .*\\)$", "");
        return e.getLocation() == null ? message
                : message + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    public String bytesAsText() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<AttachmentId> attachments(ObjectNode config) {
        JsonNode list = config.get("cni.dev/valid-attachments");
        if (list == null || list.isNull()) {
            return null;
        }
        if (!list.isArray()) {
            throw invalid("cni.dev/valid-attachments: not an array");
        }
        List<AttachmentId> attachments = new ArrayList<>();
        for (JsonNode item : list) {
            if (!item.isObject() || text((ObjectNode) item, "containerID") == null || text((ObjectNode) item, "ifname") == null) {
                throw invalid("cni.dev/valid-attachments: each item needs containerID and ifname");
            }
            attachments.add(new AttachmentId(item.get("containerID").asText(), item.get("ifname").asText()));
        }
        return attachments;
    }

    /**
     * Where jcalico is: the plugin's own field, else the ipam section's (another plugin, such as bridge, that
     * delegates to jcalico-ipam carries jcalico's settings there).
     */
    private static String located(ObjectNode config, ObjectNode ipam, String field) {
        String own = text(config, field);
        return own != null || ipam == null ? own : text(ipam, field);
    }

    private static String text(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(field + ": not a string");
        }
        return value.asText();
    }

    private static List<String> strings(ObjectNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw invalid(field + ": not an array of strings");
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw invalid(field + ": not an array of strings");
            }
            strings.add(item.asText());
        }
        return List.copyOf(strings);
    }

    static CniError invalid(String details) {
        return new CniError(CniError.INVALID_CONFIG, "invalid network configuration", details);
    }
}
