package org.jcalico.docker;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.model.ValidationException;

/**
 * The plugin's JSON on Jackson's streaming parser and generator, without databind: dockerd's requests are a dozen
 * small fixed messages and the answers fewer, and databind's reflection, introspection and coercion were the larger
 * part of the code the agent's JIT compiled for them during a `docker run` (docs/docker.md, "The plugin's JSON").
 * A request is read into plain values (objects as maps, arrays as lists, scalars as String, Boolean, Number or null)
 * and its fields taken by name; what dockerd sends and jcalico does not read is skipped as databind skipped it.
 */
final class PluginJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    /** A request's fields; an empty body is the empty object. */
    static Fields read(byte[] body, String type) {
        if (body.length == 0) {
            return new Fields(Map.of(), type);
        }
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(type, "not a JSON object");
            }
            Map<String, Object> fields = object(parser);
            if (parser.nextToken() != null) {
                throw malformed(type, "more after the JSON object");
            }
            return new Fields(fields, type);
        } catch (IOException e) {
            throw malformed(type, e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** An answer's bytes, as {@code body} writes them. */
    static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (JsonGenerator json = FACTORY.createGenerator(bytes)) {
            json.writeStartObject();
            body.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes an answer object's fields (the object's braces are the caller's). */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    /** Writes the field unless its value is null (databind's NON_NULL). */
    static void optional(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    static ValidationException malformed(String type, String why) {
        return new ValidationException("malformed " + type + " request: " + why);
    }

    private static Map<String, Object> object(JsonParser parser) throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            fields.put(name, value(parser));
        }
        return fields;
    }

    private static Object value(JsonParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_OBJECT -> object(parser);
            case START_ARRAY -> {
                List<Object> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value(parser));
                }
                yield items;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> null;
        };
    }

    /** One request object's fields by docker's names; a field of the wrong kind is a malformed request. */
    record Fields(Map<String, Object> values, String type) {
        /** A string field; a number or boolean in its place is taken as its text, as databind took it. */
        String text(String name) {
            Object value = values.get(name);
            if (value == null || value instanceof String) {
                return (String) value;
            }
            if (value instanceof Number || value instanceof Boolean) {
                return value.toString();
            }
            throw malformed(type, name + " is not a string");
        }

        boolean flag(String name) {
            Object value = values.get(name);
            if (value == null || value instanceof Boolean) {
                return Boolean.TRUE.equals(value);
            }
            if (value instanceof String text && (text.equals("true") || text.equals("false"))) {
                return text.equals("true");
            }
            throw malformed(type, name + " is not a boolean");
        }

        Fields object(String name) {
            return fields(values.get(name), name);
        }

        /** An object field as it came: docker's network options, whose values may be anything. */
        Map<String, Object> map(String name) {
            Fields fields = object(name);
            return fields == null ? null : fields.values();
        }

        /** An object field whose values are all strings (the IPAM's options). */
        Map<String, String> strings(String name) {
            Fields fields = object(name);
            if (fields == null) {
                return null;
            }
            Map<String, String> strings = new LinkedHashMap<>();
            fields.values().keySet().forEach(key -> strings.put(key, fields.text(key)));
            return strings;
        }

        /** An array field of objects. */
        List<Fields> objects(String name) {
            Object value = values.get(name);
            if (value == null) {
                return null;
            }
            if (!(value instanceof List<?> items)) {
                throw malformed(type, name + " is not an array");
            }
            List<Fields> objects = new ArrayList<>();
            for (Object item : items) {
                Fields fields = fields(item, name);
                objects.add(fields == null ? new Fields(Map.of(), type) : fields);
            }
            return objects;
        }

        private Fields fields(Object value, String name) {
            if (value == null) {
                return null;
            }
            if (value instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> fields = (Map<String, Object>) map;
                return new Fields(fields, type);
            }
            throw malformed(type, name + " is not an object");
        }
    }
}
