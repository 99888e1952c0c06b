package org.jcalico.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.util.Shown;

/**
 * The API form of every kind (docs/resources.md): Calico's v3 shape ({@code apiVersion}, {@code kind},
 * {@code metadata}, {@code spec}) with Calico's field names, Kubernetes' for Namespace and networking.k8s.io
 * NetworkPolicy. The datastore keeps each resource in its stored form (the record's own fields: flat for the kinds
 * jcalico had before, metadata and spec for the others), so that existing datastores keep working; this class maps
 * between the two at the edge where people read and write resources. Input without an apiVersion is the stored (flat)
 * form and passes unchanged.
 */
final class ApiForm {
    static final String CALICO = "projectcalico.org/v3";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** What Calico's and kubectl's output carries in metadata and only the server sets: accepted and dropped. */
    private static final Set<String> SERVER_METADATA = Set.of("resourceVersion", "uid", "creationTimestamp", "generation");

    private ApiForm() {
    }

    /** What reading one API-form object gives: the stored form, and how to name its fields in errors. */
    record Read(ObjectNode stored, UnaryOperator<String> fieldNames) {
    }

    /**
     * One field of a flat kind as the API writes it: its path ("spec.bgp.asNumber"), the stored fields it fills
     * (named in errors by the path), and how its value goes each way.
     */
    private record Field(String path, List<String> stored, Reader reader, Function<ObjectNode, JsonNode> printer) {
    }

    private interface Reader {
        void read(JsonNode value, ObjectNode stored);
    }

    /** How a kind is named in files: its kind there and its apiVersion. */
    private record Api(String kind, String version) {
    }

    /** A kind whose stored form is flat: its API kind, API version and fields. */
    private record FlatShape(String kind, String apiVersion, List<Field> fields) {
        Map<String, String> renames() {
            Map<String, String> renames = new LinkedHashMap<>();
            fields.forEach(field -> field.stored().forEach(name -> renames.put(name, field.path())));
            return renames;
        }
    }

    /** Calico's endpoint-to-host actions and jcalico's. */
    private static final Map<String, String> ENDPOINT_TO_HOST = Map.of("Drop", "drop", "Accept", "accept");
    /** Calico's log severities and jcalico's levels. */
    private static final Map<String, String> LOG_LEVELS = Map.of("Debug", "debug", "Info", "info", "Warning", "warn",
            "Error", "error");

    private static final Map<String, FlatShape> FLAT = flatShapes();
    /** Kinds stored in the API's own metadata/spec shape, by stored kind: their API kind and version. */
    private static final Map<String, Api> NESTED = Map.of(
            Tier.KIND, new Api(Tier.KIND, CALICO),
            GlobalNetworkPolicy.KIND, new Api(GlobalNetworkPolicy.KIND, CALICO),
            NetworkPolicy.KIND, new Api(NetworkPolicy.KIND, CALICO),
            GlobalNetworkSet.KIND, new Api(GlobalNetworkSet.KIND, CALICO),
            NetworkSet.KIND, new Api(NetworkSet.KIND, CALICO),
            KubernetesNetworkPolicy.KIND, new Api(NetworkPolicy.KIND, KubernetesNetworkPolicy.API_VERSION));

    private static Map<String, FlatShape> flatShapes() {
        Map<String, FlatShape> shapes = new LinkedHashMap<>();
        shapes.put(Node.KIND, new FlatShape(Node.KIND, CALICO, List.of(
                same("metadata.name", "name"),
                convert("spec.bgp.ipv4Address", "ipv4", value -> address(value, "spec.bgp.ipv4Address", 32),
                        value -> text(value.asText() + "/32")),
                convert("spec.bgp.ipv6Address", "ipv6", value -> address(value, "spec.bgp.ipv6Address", 128),
                        value -> text(value.asText() + "/128")),
                same("spec.bgp.asNumber", "asNumber"))));
        shapes.put(IpPool.KIND, new FlatShape(IpPool.KIND, CALICO, List.of(
                same("spec.cidr", "cidr"),
                same("spec.blockSize", "blockSize"),
                same("spec.natOutgoing", "natOutgoing"),
                same("spec.disabled", "disabled"),
                only("spec.ipipMode", text("Never")),
                only("spec.vxlanMode", text("Never")),
                only("spec.nodeSelector", text("all()")),
                only("spec.allowedUses", NODES.arrayNode().add("Workload")),
                only("spec.disableBGPExport", NODES.booleanNode(false)),
                only("spec.assignmentMode", text("Automatic")),
                // after cidr, from which a name that only repeats it is derived
                freeName("poolName", stored -> IpPool.derivedName(stored.path("cidr").asText())))));
        shapes.put(IpamBlock.KIND, new FlatShape(IpamBlock.KIND, CALICO, List.of(
                same("spec.cidr", "cidr"),
                same("spec.affinity", "affinity"),
                same("spec.allocations", "allocations"),
                derivedName(stored -> IpPool.derivedName(stored.path("cidr").asText())))));
        shapes.put(Profile.KIND, new FlatShape(Profile.KIND, CALICO, List.of(
                same("metadata.name", "name"),
                same("spec.ingress", "inbound"),
                same("spec.egress", "outbound"),
                same("spec.labelsToApply", "labels"),
                same("spec.tags", "tags"))));
        shapes.put(WorkloadEndpoint.KIND, new FlatShape(WorkloadEndpoint.KIND, CALICO, List.of(
                same("metadata.name", "endpointId"),
                same("metadata.namespace", "namespace"),
                same("metadata.labels", "labels"),
                same("spec.node", "node"),
                same("spec.orchestrator", "orchestrator"),
                same("spec.containerID", "containerId"),
                only("spec.endpoint", text("eth0")),
                same("spec.interfaceName", "interfaceName"),
                same("spec.mac", "mac"),
                new Field("spec.ipNetworks", List.of("ipv4Nets", "ipv6Nets"), ApiForm::readNetworks, ApiForm::printNetworks),
                same("spec.profiles", "profileIds"),
                same("spec.ports", "ports"),
                same("spec.allowSpoofedSourcePrefixes", "allowSpoofedSourcePrefixes"),
                same("spec.state", "state"))));
        shapes.put(EndpointStatus.KIND, new FlatShape(EndpointStatus.KIND, CALICO, List.of(
                same("metadata.name", "endpointId"),
                same("spec.node", "node"),
                same("spec.state", "state"),
                same("spec.detail", "detail"),
                same("spec.updatedAtMillis", "updatedAtMillis"),
                same("spec.endpointCreatedAtMillis", "endpointCreatedAtMillis"))));
        shapes.put(BgpPeer.KIND, new FlatShape(BgpPeer.KIND, CALICO, List.of(
                same("spec.peerIP", "peerIp"),
                same("spec.asNumber", "asNumber"),
                same("spec.node", "node"),
                same("spec.importLimit", "importLimit"),
                freeName("peerName", stored -> BgpPeer.derivedName(stored.has("node") ? stored.get("node").asText() : null,
                        stored.path("peerIp").asText())))));
        shapes.put(BgpConfiguration.KIND, new FlatShape(BgpConfiguration.KIND, CALICO, List.of(
                same("metadata.name", "name"),
                same("spec.asNumber", "defaultAs"),
                same("spec.nodeToNodeMeshEnabled", "nodeToNodeMesh"),
                same("spec.importLimit", "importLimit"))));
        shapes.put(FelixConfiguration.KIND, new FlatShape(FelixConfiguration.KIND, CALICO, List.of(
                convert("metadata.name", "name", ApiForm::felixName,
                        value -> text(value.asText().equals(FelixConfiguration.GLOBAL) ? "default" : value.asText())),
                same("spec.interfacePrefix", "interfacePrefix"),
                convert("spec.defaultEndpointToHostAction", "defaultEndpointToHostAction",
                        value -> words(value, "spec.defaultEndpointToHostAction", ENDPOINT_TO_HOST),
                        value -> unwords(value, ENDPOINT_TO_HOST)),
                convert("spec.logSeverityScreen", "logLevel",
                        value -> words(value, "spec.logSeverityScreen", LOG_LEVELS),
                        value -> unwords(value, LOG_LEVELS)),
                convert("spec.iptablesRefreshInterval", "resyncIntervalSeconds",
                        value -> NODES.numberNode(seconds("spec.iptablesRefreshInterval", value)),
                        value -> text(value.asInt() + "s")),
                same("spec.healthEnabled", "healthEnabled"),
                same("spec.healthHost", "healthHost"),
                same("spec.healthPort", "healthPort"),
                same("spec.prometheusMetricsEnabled", "prometheusMetricsEnabled"),
                same("spec.prometheusMetricsHost", "prometheusMetricsHost"),
                same("spec.prometheusMetricsPort", "prometheusMetricsPort"),
                same("spec.deniedFlowLogsEnabled", "deniedFlowLogsEnabled"),
                same("spec.dataplaneDriver", "dataplaneDriver"),
                same("spec.blockReserveEnabled", "blockReserveEnabled"))));
        shapes.put(Namespace.KIND, new FlatShape(Namespace.KIND, "v1", List.of(
                same("metadata.name", "name"),
                same("metadata.labels", "labels"),
                only("spec.finalizers", NODES.arrayNode().add("kubernetes")))));
        return shapes;
    }

    /** The API form of a resource, from its stored form. */
    static ObjectNode print(String kind, ObjectNode stored) {
        ObjectNode out = NODES.objectNode();
        Api nested = NESTED.get(kind);
        if (nested != null) {
            out.put("apiVersion", nested.version());
            out.put("kind", nested.kind());
            stored.properties().forEach(entry -> {
                if (!entry.getKey().equals("kind")) {
                    out.set(entry.getKey(), wholeNumbers(entry.getValue()));
                }
            });
            return out;
        }
        FlatShape shape = FLAT.get(kind);
        out.put("apiVersion", shape.apiVersion());
        out.put("kind", shape.kind());
        out.putObject("metadata");
        out.putObject("spec");
        for (Field field : shape.fields()) {
            JsonNode value = field.printer().apply(stored);
            if (value != null && !value.isNull() && !value.isMissingNode()) {
                put(out, field.path(), value);
            }
        }
        if (out.path("spec").isEmpty()) {
            out.remove("spec");
        }
        return out;
    }

    /** Orders as Calico prints them: 100, not 100.0 (they read back as the same number). */
    private static JsonNode wholeNumbers(JsonNode node) {
        if (node.isDouble() && node.doubleValue() == Math.rint(node.doubleValue()) && Math.abs(node.doubleValue()) < 1e15) {
            return NODES.numberNode(node.longValue());
        }
        if (node instanceof ObjectNode object) {
            object.properties().forEach(entry -> entry.setValue(wholeNumbers(entry.getValue())));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, wholeNumbers(node.get(i)));
            }
        }
        return node;
    }

    /**
     * The stored form of an object as a file gives it: unchanged without an apiVersion (the stored, flat form),
     * otherwise mapped from the API form. Throws ValidationException (without position) naming the field.
     */
    static Read read(ObjectNode node) {
        if (!node.has("apiVersion")) {
            if (node.path("kind").asText().equals(NetworkPolicy.KIND) && node.path("spec").has("podSelector")) {
                throw new ValidationException("apiVersion: missing (a Kubernetes NetworkPolicy needs apiVersion: "
                        + KubernetesNetworkPolicy.API_VERSION + ")");
            }
            return new Read(node, UnaryOperator.identity());
        }
        String apiVersion = node.path("apiVersion").asText();
        String kind = node.path("kind").asText();
        ObjectNode rest = node.deepCopy();
        rest.remove("apiVersion");
        rest.remove("kind");
        dropServerFields(rest);
        for (Map.Entry<String, Api> entry : NESTED.entrySet()) {
            if (entry.getValue().equals(new Api(kind, apiVersion))) {
                ObjectNode stored = NODES.objectNode().put("kind", entry.getKey());
                stored.setAll(rest);
                return new Read(stored, UnaryOperator.identity());
            }
        }
        FlatShape shape = FLAT.get(kind);
        if (shape == null && NESTED.values().stream().noneMatch(api -> api.kind().equals(kind))) {
            throw new ValidationException("unknown kind '" + Shown.value(kind) + "' (known: " + String.join(", ", Kinds.names()) + ")");
        }
        if (shape == null || !shape.apiVersion().equals(apiVersion)) {
            throw ValidationException.field("apiVersion", apiVersion, "is not an API jcalico reads " + kind
                    + " in" + expectedVersions(kind));
        }
        ObjectNode stored = NODES.objectNode().put("kind", kind);
        for (Field field : shape.fields()) {
            JsonNode value = take(rest, field.path());
            if (value != null && !value.isNull()) {
                field.reader().read(value, stored);
            }
        }
        Set<String> containers = new java.util.HashSet<>();
        for (Field field : shape.fields()) {
            for (int dot = field.path().indexOf('.'); dot > 0; dot = field.path().indexOf('.', dot + 1)) {
                containers.add(field.path().substring(0, dot));
            }
        }
        String leftover = firstField(rest, "", containers);
        if (leftover != null) {
            throw notSupported(leftover, shape.fields().stream().map(Field::path).toList());
        }
        Map<String, String> renames = shape.renames();
        return new Read(stored, message -> rename(message, renames));
    }

    /**
     * The objects of a file with each list (kubectl's {@code kind: List}, calicoctl's {@code kind: IPPoolList}, both
     * with {@code items}) replaced by its items; an item without a kind takes the list's kind and apiVersion, as
     * servers leave them out of typed lists' items.
     */
    static List<JsonNode> listItems(List<JsonNode> nodes) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode node : nodes) {
            String kind = node.path("kind").asText("");
            if (!kind.endsWith("List") || !node.path("items").isArray() || Kinds.type(kind) != null) {
                out.add(node);
                continue;
            }
            for (JsonNode item : node.get("items")) {
                if (item instanceof ObjectNode object && !object.has("kind") && !kind.equals("List")) {
                    ObjectNode typed = NODES.objectNode();
                    typed.set("apiVersion", node.get("apiVersion"));
                    typed.put("kind", kind.substring(0, kind.length() - "List".length()));
                    typed.setAll(object);
                    out.add(typed);
                } else {
                    out.add(item);
                }
            }
        }
        return out;
    }

    /** "FIELD: not supported by jcalico (supported here: ...)". */
    static ValidationException notSupported(String field, List<String> supported) {
        return new ValidationException(field + ": not supported by jcalico (supported here: " + String.join(", ", supported) + ")");
    }

    private static String expectedVersions(String kind) {
        List<String> versions = new ArrayList<>();
        NESTED.values().stream().filter(api -> api.kind().equals(kind)).forEach(api -> versions.add(api.version()));
        FlatShape shape = FLAT.get(kind);
        if (shape != null) {
            versions.add(shape.apiVersion());
        }
        return " (expected " + String.join(" or ", versions.stream().sorted().toList()) + ")";
    }

    /** Server-set metadata and status are dropped; they say nothing jcalico keeps. */
    private static void dropServerFields(ObjectNode rest) {
        if (rest.get("metadata") instanceof ObjectNode metadata) {
            SERVER_METADATA.forEach(metadata::remove);
        }
        rest.remove("status");
    }

    private static String rename(String message, Map<String, String> renames) {
        for (Map.Entry<String, String> entry : renames.entrySet()) {
            String name = entry.getKey();
            if (message.startsWith(name) && message.length() > name.length()
                    && ":.[ ".indexOf(message.charAt(name.length())) >= 0) {
                return entry.getValue() + message.substring(name.length());
            }
        }
        return message;
    }

    private static Field same(String path, String stored) {
        return new Field(path, List.of(stored), (value, out) -> out.set(stored, value), out -> out.get(stored));
    }

    private static Field convert(String path, String stored, UnaryOperator<JsonNode> in, UnaryOperator<JsonNode> out) {
        return new Field(path, List.of(stored), (value, node) -> node.set(stored, in.apply(value)),
                node -> node.has(stored) ? out.apply(node.get(stored)) : null);
    }

    /** A Calico field jcalico takes only with the value that means what jcalico does; never printed. */
    private static Field only(String path, JsonNode allowed) {
        return new Field(path, List.of(), (value, stored) -> {
            if (!value.equals(allowed)) {
                throw ValidationException.field(path, value.isValueNode() ? value.asText() : value.toString(), "is not supported by jcalico (only " + (allowed.isValueNode() ? allowed.asText() : allowed.toString()) + ")");
            }
        }, stored -> null);
    }

    /** metadata.name of a kind whose name follows from its other fields: printed, and on input it must agree. */
    private static Field derivedName(Function<ObjectNode, String> name) {
        return new Field("metadata.name", List.of(), (value, stored) -> {
            if (!value.asText().equals(name.apply(stored))) {
                throw ValidationException.field("metadata.name", value.asText(), "is not '" + name.apply(stored)
                        + "', the name that follows from its spec");
            }
        }, stored -> text(name.apply(stored)));
    }

    /**
     * Calico's free metadata.name of a kind jcalico keys by other fields: kept in the stored field, unless it only
     * repeats the name derived from those fields, which is what is printed when the stored field is absent.
     */
    private static Field freeName(String storedField, Function<ObjectNode, String> derived) {
        return new Field("metadata.name", List.of(storedField), (value, stored) -> {
            if (!value.isTextual() || !value.asText().equals(derived.apply(stored))) {
                stored.set(storedField, value);
            }
        }, stored -> stored.has(storedField) ? stored.get(storedField) : text(derived.apply(stored)));
    }

    /** Calico names the global FelixConfiguration "default" (jcalico's "global"); node.NAME is the same in both. */
    private static JsonNode felixName(JsonNode value) {
        String name = value.asText();
        if (name.equals("default")) {
            return text(FelixConfiguration.GLOBAL);
        }
        if (!value.isTextual() || !name.startsWith(FelixConfiguration.NODE_PREFIX)) {
            throw ValidationException.field("metadata.name", name, "is not 'default' or 'node.NODENAME'");
        }
        return value;
    }

    private static final Pattern DURATION = Pattern.compile("(?:([0-9]{1,4})h)?(?:([0-9]{1,6})m)?(?:([0-9]{1,7})s)?");

    /** A Go duration of whole seconds ("90s", "1m30s", "1h"), as Calico writes intervals, in seconds. */
    private static int seconds(String field, JsonNode value) {
        Matcher matcher = DURATION.matcher(value.isTextual() ? value.asText() : "");
        if (value.asText().isEmpty() || !matcher.matches()) {
            throw ValidationException.field(field, value.asText(), "is not a duration of whole seconds like 90s, 1m30s or 1h");
        }
        long total = 0;
        int[] unit = {3600, 60, 1};
        for (int i = 0; i < 3; i++) {
            if (matcher.group(i + 1) != null) {
                total += Long.parseLong(matcher.group(i + 1)) * unit[i];
            }
        }
        if (total > Integer.MAX_VALUE) {
            throw ValidationException.field(field, value.asText(), "is too long");
        }
        return (int) total;
    }

    private static JsonNode text(String value) {
        return TextNode.valueOf(value);
    }

    /** Calico's spelling of an enumerated value to jcalico's. */
    private static JsonNode words(JsonNode value, String field, Map<String, String> calicoToJcalico) {
        String mapped = calicoToJcalico.get(value.asText());
        if (mapped == null || !value.isTextual()) {
            throw ValidationException.field(field, value.asText(), "is not supported by jcalico (one of "
                    + String.join(", ", new java.util.TreeSet<>(calicoToJcalico.keySet())) + ")");
        }
        return text(mapped);
    }

    private static JsonNode unwords(JsonNode value, Map<String, String> calicoToJcalico) {
        return calicoToJcalico.entrySet().stream().filter(entry -> entry.getValue().equals(value.asText()))
                .map(entry -> text(entry.getKey())).findFirst().orElse(value);
    }

    private static final Pattern ADDRESS_WITH_PREFIX = Pattern.compile("([^/]+)(?:/([0-9]{1,3}))?");

    /**
     * Calico writes a node's BGP address with the prefix length of its subnet; jcalico keeps the address (it has no
     * tunnels, the only use Calico has for the subnet), and prints it as a host prefix.
     */
    private static JsonNode address(JsonNode value, String field, int bits) {
        Matcher matcher = ADDRESS_WITH_PREFIX.matcher(value.asText());
        if (!value.isTextual() || !matcher.matches()
                || matcher.group(2) != null && Integer.parseInt(matcher.group(2)) > bits) {
            throw ValidationException.field(field, value.asText(), "is not an address with an optional prefix length");
        }
        return text(matcher.group(1));
    }

    private static void readNetworks(JsonNode value, ObjectNode stored) {
        if (!value.isArray()) {
            throw ValidationException.field("spec.ipNetworks", value.toString(), "is not a list");
        }
        for (JsonNode net : value) {
            String text = net.asText();
            stored.withArray(text.contains(":") ? "ipv6Nets" : "ipv4Nets").add(net);
        }
    }

    private static JsonNode printNetworks(ObjectNode stored) {
        var all = NODES.arrayNode();
        stored.path("ipv4Nets").forEach(all::add);
        stored.path("ipv6Nets").forEach(all::add);
        return all.isEmpty() ? null : all;
    }

    /** Removes and returns the value at a dotted path; null when absent. */
    private static JsonNode take(ObjectNode root, String path) {
        String[] parts = path.split("\\.");
        JsonNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = node.get(parts[i]);
            if (!(node instanceof ObjectNode)) {
                return null;
            }
        }
        return ((ObjectNode) node).remove(parts[parts.length - 1]);
    }

    private static void put(ObjectNode root, String path, JsonNode value) {
        String[] parts = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = node.has(parts[i]) ? (ObjectNode) node.get(parts[i]) : node.putObject(parts[i]);
        }
        node.set(parts[parts.length - 1], value);
    }

    /**
     * The path of the first field left that says something (empty objects and nulls say nothing), descending only
     * into the objects that hold supported fields: an unsupported object is named as a whole.
     */
    private static String firstField(JsonNode node, String prefix, Set<String> containers) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            String path = prefix + entry.getKey();
            JsonNode value = entry.getValue();
            if (value.isObject() && (value.isEmpty() || containers.contains(path))) {
                String inner = firstField(value, path + ".", containers);
                if (inner != null) {
                    return inner;
                }
            } else if (!value.isNull()) {
                return path;
            }
        }
        return null;
    }
}
