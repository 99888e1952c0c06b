package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jcalico.util.Shown;

/**
 * Resources to and from their JSON and YAML forms; decoding errors name the resource, field and value. The stored
 * form, which {@link #toJson} writes, is read back by {@link StoredForm}, a class of its own so that reading it does
 * not link this one: this class's code names Jackson's mapper, nodes and exceptions, and linking it loads them.
 */
public final class ResourceCodec {
    private ResourceCodec() {
    }

    /**
     * The mappers, made at their first use: reading the stored form of the kinds a list reads takes no mapper
     * ({@link StoredRecords}), and making them is a good part of a cold command's time.
     */
    private static final class Mappers {
        private static final JsonMapper JSON = configure(JsonMapper.builder()).build();
        private static final YAMLMapper YAML = configure(YAMLMapper.builder(YAMLFactory.builder()
                        .stringQuotingChecker(new QuoteNumberLike())
                        .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL) // the default mapper's, which a built factory lacks
                        .loaderOptions(wholeText())
                        .build())
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .disable(YAMLGenerator.Feature.SPLIT_LINES)).build();
    }

    /**
     * SnakeYAML stops at 3 MB of code points by default, below what `apply` reads (cli/InputFile: 64 MiB, and 100,000
     * profiles make 20 MB): YAML got refused where the same resources in JSON passed. The text is in memory already,
     * bounded by whoever read it, so the reader sets no bound of its own.
     */
    private static org.yaml.snakeyaml.LoaderOptions wholeText() {
        org.yaml.snakeyaml.LoaderOptions options = new org.yaml.snakeyaml.LoaderOptions();
        options.setCodePointLimit(Integer.MAX_VALUE);
        return options;
    }

    private static <M extends ObjectMapper, B extends com.fasterxml.jackson.databind.cfg.MapperBuilder<M, B>> B configure(B builder) {
        return builder
                .annotationIntrospector(new JacksonOwnAnnotations())
                .serializationInclusion(JsonInclude.Include.NON_EMPTY)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // deny-then-allow under one key must not quietly become allow
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // 26.9 is not 26: a number where an integer is expected must be one
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    /** The compact JSON stored in the datastore. */
    public static String toJson(Resource resource) {
        if (resource instanceof WorkloadEndpoint endpoint && !endpoint.isWhole()) {
            // an agent's copy of another node's endpoint, without its ids: written, it would lose them for good
            throw new IllegalStateException("cannot encode " + resource + ": an endpoint as another node's agent keeps it");
        }
        try {
            return Mappers.JSON.writerFor(Resource.class).writeValueAsString(resource);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + resource, e);
        }
    }

    /** What {@link StoredForm#fromJson} answers without {@link StoredRecords}: the mapper's resource, or its error. */
    static Resource fromJsonByMapper(String json) {
        // The stored form, as toJson writes it, maps straight onto the records: an agent reads a cluster's hundred
        // thousand endpoints at its start, and the way through a tree and the API form's reader took twice as long.
        // Anything else (the API form, a value written by hand, an invalid one) takes that way, which gives the same
        // resource or the error naming the field.
        if (!json.contains("\"apiVersion\"")) {
            try {
                Resource resource = Mappers.JSON.readValue(json, Resource.class);
                if (resource != null) {
                    return resource;
                }
            } catch (JsonProcessingException | RuntimeException e) {
                // decoded again below, for the precise message
            }
        }
        return decode(Mappers.JSON, json, 1);
    }

    /** Pretty JSON in the API form (docs/resources.md) for people and scripts: one object, or an array of several. */
    public static String toPrettyJson(List<? extends Resource> resources, boolean asList) {
        return asList ? toPrettyJson(resources, List.of()) : pretty(apiForm(resources.get(0)));
    }

    /** A list as {@link #toPrettyJson(List, boolean)} prints it, with MORE (say {@link #unreadableForm}s) after it. */
    public static String toPrettyJson(List<? extends Resource> resources, List<? extends JsonNode> more) {
        return pretty(forms(resources, more));
    }

    /** One tree (say an {@link #unreadableForm}) as {@link #toPrettyJson(List, boolean)} prints one resource. */
    public static String toPrettyJson(JsonNode form) {
        return pretty(form);
    }

    private static String pretty(Object value) {
        try {
            return Mappers.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** YAML documents in the API form, separated by "---". */
    public static String toYaml(List<? extends Resource> resources) {
        return toYaml(resources, List.of());
    }

    /** YAML documents as {@link #toYaml(List)} prints them, with MORE (say {@link #unreadableForm}s) after them. */
    public static String toYaml(List<? extends Resource> resources, List<? extends JsonNode> more) {
        return forms(resources, more).stream().map(form -> {
            try {
                return Mappers.YAML.writeValueAsString(form);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }).collect(Collectors.joining("---\n"));
    }

    private static List<JsonNode> forms(List<? extends Resource> resources, List<? extends JsonNode> more) {
        List<JsonNode> forms = new ArrayList<>(resources.stream().map(ResourceCodec::apiForm).toList());
        forms.addAll(more);
        return forms;
    }

    /**
     * How a list in JSON or YAML shows a record of KIND that cannot be read: an item of the kind and name with no
     * spec but "unreadable" (the record's key and why, bounded by Shown), so a script that reads the list sees it
     * and `jcalico apply` of the list refuses it rather than drop it unseen.
     */
    public static ObjectNode unreadableForm(String kind, String name, String key, String problem) {
        ObjectNode form = Mappers.JSON.createObjectNode().put("kind", kind);
        form.putObject("metadata").put("name", name);
        form.putObject("unreadable").put("key", key).put("reason", Shown.message(problem));
        return form;
    }

    /** The resource's metadata.name in the API form, e.g. an IPPool's Calico name or "default" for the global FelixConfiguration. */
    public static String apiName(Resource resource) {
        return apiForm(resource).path("metadata").path("name").asText();
    }

    /** The API form's tree of a resource: Calico's v3 shape (Kubernetes' for its kinds). */
    static ObjectNode apiForm(Resource resource) {
        try {
            return ApiForm.print(resource.kind(), (ObjectNode) Mappers.JSON.readTree(toJson(resource)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every resource in a file: a JSON object, a JSON array of objects, or YAML documents separated by "---"; a list
     * as kubectl and calicoctl print one ({@code kind: List} or {@code IPPoolList}, with {@code items}) stands for its
     * items. Throws {@link ValidationException} for the first bad one, naming its position and kind.
     */
    public static List<Resource> decodeAll(String text) {
        String trimmed = text.stripLeading();
        List<JsonNode> nodes = new ArrayList<>();
        try {
            if (trimmed.startsWith("[")) {
                Mappers.JSON.readTree(trimmed).forEach(nodes::add);
            } else if (trimmed.startsWith("{")) {
                nodes.add(Mappers.JSON.readTree(trimmed));
            } else {
                YAMLFactory factory = Mappers.YAML.getFactory();
                try (var parser = new NoAliases((YAMLParser) factory.createParser(text))) {
                    Mappers.YAML.readValues(parser, JsonNode.class).forEachRemaining(node -> {
                        if (node != null && !node.isNull() && !node.isMissingNode()) {
                            nodes.add(node);
                        }
                    });
                }
            }
        } catch (ValidationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ValidationException("not valid JSON or YAML: " + firstLine(e.getMessage()));
        }
        List<JsonNode> objects = ApiForm.listItems(nodes);
        if (objects.isEmpty()) {
            throw new ValidationException("no resources found");
        }
        List<Resource> resources = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            JsonNode object = objects.get(i);
            if (object.has("unreadable")) {
                // a list's item for a record it could not read (unreadableForm): there is nothing in it to apply, and
                // applying the rest would drop it unseen
                throw new ValidationException("resource " + (i + 1) + " (" + Shown.value(object.path("kind").asText("")) + " "
                        + Shown.value(object.path("metadata").path("name").asText("")) + ") is a record 'jcalico get' could"
                        + " not read, not a resource: take it out of the file; nothing was applied");
            }
            resources.add(decode(object, i + 1));
        }
        return resources;
    }

    /**
     * Quotes, besides YAML's keywords, every string that the YAML reader would take for a number: "80", "9_" (YAML 1.1
     * ignores underscores in numbers), "0x10", "1e3", ".5", so that what get prints applies back unchanged. Strings
     * with more than one dot, a colon or a slash (addresses, networks, port ranges) read back as strings unquoted.
     */
    private static final class QuoteNumberLike extends StringQuotingChecker.Default {
        private static final Pattern NUMBER_LIKE = Pattern.compile("[-+]?[0-9.][0-9A-Za-z_+-]*(\\.[0-9A-Za-z_+-]*)?");

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || NUMBER_LIKE.matcher(value).matches();
        }
    }

    /**
     * Refuses YAML anchors and aliases: Jackson would read an alias as the anchor's name, a value nobody wrote, and
     * resources are small enough to be written out in full.
     */
    private static final class NoAliases extends JsonParserDelegate {
        private final YAMLParser yaml;

        NoAliases(YAMLParser yaml) {
            super(yaml);
            this.yaml = yaml;
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken token = yaml.nextToken();
            if (yaml.isCurrentAlias() || yaml.getCurrentAnchor() != null) {
                throw new ValidationException("not valid YAML: line " + yaml.currentTokenLocation().getLineNr()
                        + ": anchors and aliases (&NAME, *NAME) are not supported; write the value out in full");
            }
            return token;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken token = nextToken();
            return token == JsonToken.FIELD_NAME ? nextToken() : token;
        }
    }

    private static Resource decode(ObjectMapper mapper, String text, int position) {
        try {
            return decode(mapper.readTree(text), position);
        } catch (JsonProcessingException e) {
            throw new ValidationException("not valid JSON: " + firstLine(e.getOriginalMessage()));
        }
    }

    private static Resource decode(JsonNode node, int position) {
        String kind = node.path("kind").asText("");
        String where = "resource " + position + (kind.isEmpty() ? "" : " (" + kind + ")");
        if (!node.isObject()) {
            throw new ValidationException(where + ": not an object");
        }
        if (kind.isEmpty()) {
            throw new ValidationException(where + ": missing 'kind'");
        }
        try {
            ApiForm.Read read = ApiForm.read((ObjectNode) node);
            try {
                return decodeStored(read.stored(), kind);
            } catch (ValidationException e) {
                throw new ValidationException(read.fieldNames().apply(e.getMessage()));
            }
        } catch (ValidationException e) {
            throw new ValidationException(where + ": " + e.getMessage());
        }
    }

    /** The resource of a stored-form tree; errors name the field and value, without the resource's position. */
    private static Resource decodeStored(JsonNode node, String kind) {
        try {
            return Mappers.JSON.treeToValue(node, Resource.class);
        } catch (InvalidTypeIdException e) {
            throw new ValidationException("unknown kind '" + Shown.value(kind) + "' (known: " + String.join(", ", Kinds.names()) + ")");
        } catch (UnrecognizedPropertyException e) {
            List<String> known = e.getKnownPropertyIds() == null ? List.of()
                    : e.getKnownPropertyIds().stream().map(Object::toString).filter(id -> !id.equals("kind")).sorted().toList();
            throw ApiForm.notSupported(path(e), known);
        } catch (MismatchedInputException e) {
            JsonNode value = node.at(pointer(e));
            throw ValidationException.field(path(e), value.isValueNode() ? value.asText() : value.toString(),
                    "is not " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            ValidationException cause = validationCause(e);
            String field = path(e);
            if (cause != null) {
                throw new ValidationException(withField(field, cause.getMessage()));
            }
            throw new ValidationException((field.isEmpty() ? "" : field + ": ") + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new ValidationException(firstLine(e.getOriginalMessage()));
        }
    }

    private static ValidationException validationCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ValidationException v) {
                return v;
            }
            if (t instanceof IllegalArgumentException a && t.getCause() == null && t != e) {
                return new ValidationException(a.getMessage());
            }
        }
        return null;
    }

    private static final Pattern FIELD_FIRST = Pattern.compile("[A-Za-z][A-Za-z0-9]*(\\[[0-9]+])?[:.\\[].*");

    /**
     * The field path and a message from the value found there, as one "path: problem": a message that names a field
     * of the value ("type: missing" at "icmp") is joined to the path ("icmp.type: missing"); one that repeats the
     * path's last part, or starts from it, keeps the full path once.
     */
    private static String withField(String field, String message) {
        if (field.isEmpty()) {
            return message;
        }
        int cut = Math.max(field.lastIndexOf('.'), field.lastIndexOf(']')) + 1;
        String last = field.substring(cut);
        if (message.startsWith(last + ": ")) {
            return field + ": " + message.substring(last.length() + 2);
        }
        if (!last.isEmpty() && (message.startsWith(last + ".") || message.startsWith(last + "["))) {
            return field.substring(0, cut) + message;
        }
        if (FIELD_FIRST.matcher(message).matches()) {
            return field + "." + message;
        }
        return field + ": " + message;
    }

    private static String expected(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type != null && java.util.Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type != null && (java.util.Map.class.isAssignableFrom(type) || type.isRecord())) {
            return "an object";
        }
        return "a valid value here";
    }

    private static JsonPointer pointer(JsonMappingException e) {
        JsonPointer pointer = JsonPointer.empty();
        for (JsonMappingException.Reference ref : e.getPath()) {
            pointer = ref.getFieldName() != null ? pointer.appendProperty(ref.getFieldName()) : pointer.appendIndex(ref.getIndex());
        }
        return pointer;
    }

    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                out.append(out.length() > 0 ? "." : "").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable input";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
