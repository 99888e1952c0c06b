package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyedValuesTest {
    @Test
    void putReplacesRemoveFillsTheHoleAndTheListIsACopy() {
        KeyedValues<String> values = new KeyedValues<>();
        values.put("a", "1");
        values.put("b", "2");
        values.put("c", "3");
        values.put("b", "2'");
        List<String> before = values.list();
        values.remove("a");
        values.remove("missing");
        values.put("d", "4");
        values.remove("c");

        assertEquals(Set.of("2'", "4"), new HashSet<>(values.list()));
        assertEquals(List.of("1", "2'", "3"), before, "an earlier list does not change");
        values.remove("d");
        values.put("b", "2''");
        assertEquals(List.of("2''"), values.list());
        assertThrows(UnsupportedOperationException.class, () -> values.list().add("x"));
    }
}
