package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Properties of the resource model over many random resources of every kind, valid and invalid (see
 * {@link ResourceGenerator}): decoding either accepts or refuses with one ValidationException line that names a field,
 * never another exception; and whatever it accepts prints (JSON, pretty JSON, YAML) into a form that decodes to the
 * same resource. The seed is fixed; -Djcalico.fuzz.seed=N tries another, and every failure names the seed.
 */
class ResourcePropertyTest {
    static final long SEED = Long.getLong("jcalico.fuzz.seed", 20261130L);
    private static final int COUNT = 6_000;
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final ObjectMapper PLAIN_YAML = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();

    @Test
    void decodingAcceptsOrRefusesWithOneLineNamingAField() throws Exception {
        ResourceGenerator generator = new ResourceGenerator(SEED, 0.15);
        int accepted = 0;
        for (int i = 0; i < COUNT; i++) {
            Map<String, Object> raw = generator.any();
            boolean api = i % 4 >= 2;
            Map<String, Object> written = api ? ResourceGenerator.inApiForm(raw) : raw;
            // every other resource as YAML text, so both readers see the same values; half in the API form
            String json = i % 2 == 0 ? PLAIN.writeValueAsString(written) : PLAIN_YAML.writeValueAsString(written);
            Resource resource;
            try {
                resource = ResourceCodec.decodeAll(json).get(0);
            } catch (ValidationException e) {
                String message = e.getMessage();
                String context = "seed " + SEED + ", resource " + i + ": " + json + " -> " + message;
                assertTrue(!message.contains("\n") && !message.contains("\r"), context);
                assertTrue(message.startsWith("resource 1 (" + raw.get("kind") + "): "), context);
                String detail = message.substring(message.indexOf("): ") + 3);
                assertTrue(api ? namesAnApiField(String.valueOf(raw.get("kind")), detail)
                        : namesAField(String.valueOf(raw.get("kind")), detail), "no field named: " + context);
                assertTrue(!detail.contains("Exception") && !detail.contains("org.jcalico") && !detail.contains("java."),
                        "internal detail: " + context);
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + SEED + ", resource " + i + ": " + json + " -> " + e, e);
            }
            accepted++;
            roundTrips(resource, "seed " + SEED + ", resource " + i + ": " + json);
        }
        assertTrue(accepted > COUNT / 4, "only " + accepted + " of " + COUNT + " accepted (seed " + SEED + ")");
    }

    /** Every well-formed value of every field, in every kind, round-trips exactly. */
    @Test
    void everythingAcceptedRoundTripsThroughJsonAndYaml() throws Exception {
        ResourceGenerator generator = new ResourceGenerator(SEED + 1, 0);
        for (String kind : ResourceGenerator.KINDS) {
            int accepted = 0;
            for (int i = 0; i < 500; i++) {
                Map<String, Object> raw = generator.of(kind);
                String json = PLAIN.writeValueAsString(i % 2 == 0 ? raw : ResourceGenerator.inApiForm(raw));
                try {
                    roundTrips(ResourceCodec.decodeAll(json).get(0), "seed " + (SEED + 1) + ", " + kind + " " + i + ": " + json);
                    accepted++;
                } catch (ValidationException e) {
                    // a combination validation refuses; the first property covers the refusal itself
                }
            }
            assertTrue(accepted > 50, kind + ": only " + accepted + " of 500 accepted");
        }
    }

    /** "FIELD...: ..." where FIELD is one of the kind's fields, or "FIELD: not supported by jcalico (...)". */
    private static boolean namesAField(String kind, String detail) {
        java.util.regex.Matcher field = java.util.regex.Pattern.compile("(?:unknown field '|Duplicate field ')?([A-Za-z0-9]+)[\\[.:' ].*")
                .matcher(detail);
        if (!field.matches()) {
            return false;
        }
        Class<? extends Resource> type = Kinds.type(kind);
        return detail.startsWith("unknown field") || detail.startsWith(field.group(1) + ": not supported by jcalico (")
                || java.util.Arrays.stream(type.getRecordComponents())
                .anyMatch(component -> component.getName().equals(field.group(1)));
    }

    /** "PATH...: ..." where PATH is where one of the kind's fields goes in the API form, or a field not supported. */
    private static boolean namesAnApiField(String kind, String detail) {
        return ResourceGenerator.apiPaths(kind).stream().anyMatch(path -> detail.startsWith(path)
                && detail.length() > path.length() && "[.:' ".indexOf(detail.charAt(path.length())) >= 0)
                || detail.matches("[A-Za-z0-9.]+: not supported by jcalico \\(.*");
    }

    private static void roundTrips(Resource resource, String context) {
        try {
            assertEquals(resource, StoredForm.fromJson(ResourceCodec.toJson(resource)), context);
            String yaml = ResourceCodec.toYaml(List.of(resource));
            assertEquals(List.of(resource), ResourceCodec.decodeAll(yaml), context + "\nYAML:\n" + yaml);
            String pretty = ResourceCodec.toPrettyJson(List.of(resource), false);
            assertEquals(List.of(resource), ResourceCodec.decodeAll(pretty), context + "\nJSON:\n" + pretty);
        } catch (ValidationException e) {
            fail(context + ": printed form refused: " + e.getMessage());
        }
    }
}
