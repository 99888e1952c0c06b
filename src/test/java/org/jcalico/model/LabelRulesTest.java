package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelRulesTest {
    private static String error(Map<String, String> labels) {
        return assertThrows(ValidationException.class, () -> LabelRules.check("metadata.labels", labels)).getMessage();
    }

    @Test
    void keysAreKubernetesQualifiedNames() {
        for (String key : List.of("app", "App.Name-1_x", "a", "9", "x".repeat(63), "example.com/app",
                "projectcalico.org/namespace", "a-b.c/D_e", "x".repeat(63) + "." + "y".repeat(189) + "/n")) {
            assertTrue(LabelRules.isKey(key), key);
        }
        for (String key : List.of("", "-app", "app-", "_a", "a.", "x".repeat(64), "/app", "example.com/", "Example.com/app",
                "ex_ample.com/app", "-example.com/app", "a/b/c", "a b", "app!", "é", "x".repeat(254) + "/n",
                "example..com/app")) {
            assertFalse(LabelRules.isKey(key), key);
        }
    }

    @Test
    void valuesAreEmptyOrNames() {
        for (String value : List.of("", "v", "V1.2-3_x", "x".repeat(63))) {
            assertTrue(LabelRules.isValue(value), value);
        }
        for (String value : List.of("-v", "v-", "x".repeat(64), "a b", "a/b", "a'b", "é")) {
            assertFalse(LabelRules.isValue(value), value);
        }
    }

    @Test
    void checkReturnsASortedUnmodifiableCopy() {
        Map<String, String> input = new HashMap<>(Map.of("b", "2", "a", "1", "example.com/c", ""));
        Map<String, String> checked = LabelRules.check("metadata.labels", input);
        assertEquals(List.of("a", "b", "example.com/c"), List.copyOf(checked.keySet()));
        input.put("d", "4");
        assertEquals(3, checked.size());
        assertThrows(UnsupportedOperationException.class, () -> checked.put("e", "5"));
        assertEquals(Map.of(), LabelRules.check("metadata.labels", null));
    }

    @Test
    void errorsNameTheFieldKeyAndValueOnOneLine() {
        assertEquals("metadata.labels.app: 'a b' is not a valid label value (empty, or up to 63 characters: letters, "
                + "digits, '-', '_', '.', a letter or digit at both ends)", error(Map.of("app", "a b")));
        assertEquals("metadata.labels: 'Bad/app' is not a valid label key: its prefix before '/' must be a lower-case "
                + "DNS subdomain of up to 253 characters", error(Map.of("Bad/app", "x")));
        assertEquals("metadata.labels.app: 'a\\nb' is not a valid label value (empty, or up to 63 characters: letters, "
                + "digits, '-', '_', '.', a letter or digit at both ends)", error(Map.of("app", "a\nb")));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("app", null);
        assertEquals("metadata.labels.app: missing", error(nullValue));
    }

    @Test
    void anEndpointCannotCarryTheLabelsJcalicoSets() {
        for (String key : List.of("pcns.team", "pcns.projectcalico.org/name", "projectcalico.org/namespace")) {
            assertEquals("labels: '" + key + "' is reserved: jcalico sets the keys starting with 'pcns.' and "
                    + "'projectcalico.org/' itself",
                    assertThrows(ValidationException.class, () -> LabelRules.checkOwn("labels", Map.of(key, "a"))).getMessage());
        }
        assertEquals(Map.of("team", "a"), LabelRules.checkOwn("labels", Map.of("team", "a")));
    }
}
