package org.jcalico.model.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

class LabelsTest {
    private static String error(Map<String, String> labels) {
        return assertThrows(ValidationException.class, () -> Labels.check("metadata.labels", labels)).getMessage();
    }

    @Test
    void keysAreKubernetesQualifiedNames() {
        for (String key : List.of("app", "App.Name-1_x", "a", "9", "x".repeat(63), "example.com/app",
                "projectcalico.org/namespace", "a-b.c/D_e", "x".repeat(63) + "." + "y".repeat(189) + "/n")) {
            assertTrue(Labels.isKey(key), key);
        }
        for (String key : List.of("", "-app", "app-", "_a", "a.", "x".repeat(64), "/app", "example.com/", "Example.com/app",
                "ex_ample.com/app", "-example.com/app", "a/b/c", "a b", "app!", "é", "x".repeat(254) + "/n",
                "example..com/app")) {
            assertFalse(Labels.isKey(key), key);
        }
    }

    @Test
    void valuesAreEmptyOrNames() {
        for (String value : List.of("", "v", "V1.2-3_x", "x".repeat(63))) {
            assertTrue(Labels.isValue(value), value);
        }
        for (String value : List.of("-v", "v-", "x".repeat(64), "a b", "a/b", "a'b", "é")) {
            assertFalse(Labels.isValue(value), value);
        }
    }

    @Test
    void checkReturnsASortedUnmodifiableCopy() {
        Map<String, String> input = new HashMap<>(Map.of("b", "2", "a", "1", "example.com/c", ""));
        Map<String, String> checked = Labels.check("metadata.labels", input);
        assertEquals(List.of("a", "b", "example.com/c"), List.copyOf(checked.keySet()));
        input.put("d", "4");
        assertEquals(3, checked.size());
        assertThrows(UnsupportedOperationException.class, () -> checked.put("e", "5"));
        assertEquals(Map.of(), Labels.check("metadata.labels", null));
    }

    @Test
    void errorsNameTheFieldKeyAndValueOnOneLine() {
        assertEquals("metadata.labels.app: 'a b' is not a valid label value (empty, or 1-63 letters, digits, '-', '_' "
                + "or '.', starting and ending with a letter or digit)", error(Map.of("app", "a b")));
        assertEquals("metadata.labels: 'Bad/app' is not a valid label key (an optional lower-case DNS subdomain and "
                + "'/', then 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)",
                error(Map.of("Bad/app", "x")));
        assertEquals("metadata.labels.app: 'a\\nb' is not a valid label value (empty, or 1-63 letters, digits, '-', "
                + "'_' or '.', starting and ending with a letter or digit)", error(Map.of("app", "a\nb")));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("app", null);
        assertEquals("metadata.labels.app: missing value (use '' for an empty one)", error(nullValue));
    }
}
