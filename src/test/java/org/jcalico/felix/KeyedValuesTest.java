package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyedValuesTest {
    @Test
    void putReplacesRemoveFillsTheHoleAndTheListIsACopy() {
        // no value gives its key back here: every key is kept as given
        KeyedValues<String> values = new KeyedValues<>(value -> null);
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

    /**
     * Random puts and removes, against a HashMap: the table's probing, its growth and its holes filled back on removal
     * (with keys of equal hash, and values that give their key back or do not) find every key as the map does.
     */
    @Test
    void behavesAsAMapThroughGrowthCollisionsAndRemovals() {
        Random random = new Random(7);
        // "Aa" and "BB" hash alike: keys built of them collide in whole
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            keys.add(Integer.toBinaryString(i).replace("0", "Aa").replace("1", "BB") + (i % 3 == 0 ? "" : "/" + i % 5));
        }
        // a value gives its key back when it starts with "=", else the table keeps the key
        KeyedValues<String> values = new KeyedValues<>(value -> value.startsWith("=") ? value.substring(1) : null);
        Map<String, String> expected = new HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            String key = keys.get(random.nextInt(keys.size()));
            if (random.nextInt(3) == 0) {
                values.remove(key);
                expected.remove(key);
            } else {
                String value = random.nextBoolean() ? "=" + key : key + "#" + step;
                values.put(key, value);
                expected.put(key, value);
            }
            if (step % 997 == 0) {
                assertEquals(new HashSet<>(expected.values()), new HashSet<>(values.list()), "after step " + step);
            }
        }
        assertEquals(expected.size(), values.list().size());
        assertEquals(new HashSet<>(expected.values()), new HashSet<>(values.list()));
        expected.keySet().forEach(values::remove);
        assertEquals(List.of(), values.list());
    }
}
