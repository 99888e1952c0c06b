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
            randomStep(random, keys, step, new Table(values::put, values::remove), new Table(expected::put, expected::remove));
            if (step % 997 == 0) {
                assertEquals(new HashSet<>(expected.values()), new HashSet<>(values.list()), "after step " + step);
            }
        }
        assertEquals(expected.size(), values.list().size());
        assertEquals(new HashSet<>(expected.values()), new HashSet<>(values.list()));
        expected.keySet().forEach(values::remove);
        assertEquals(List.of(), values.list());
    }

    /**
     * Tables filled apart (a listing's parts, each on its thread) and joined: the values in the parts' order, and every
     * key found, replaced and removed afterwards as in one table filled key by key (colliding keys, kept keys, parts of
     * every size including none).
     */
    @Test
    void partsJoinedAreOneTableFilledKeyByKey() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            keys.add(Integer.toBinaryString(i).replace("0", "Aa").replace("1", "BB") + "/" + i);
        }
        java.util.function.Function<String, String> keyOf = value -> value.startsWith("=") ? value.substring(1) : null;
        List<KeyedValues<String>> parts = new ArrayList<>();
        KeyedValues<String> whole = new KeyedValues<>(keyOf);
        int[] ends = {0, 0, 1, 300, 300, 699, 700};
        for (int part = 0; part + 1 < ends.length; part++) {
            KeyedValues<String> values = new KeyedValues<>(keyOf);
            for (int i = ends[part]; i < ends[part + 1]; i++) {
                String value = i % 2 == 0 ? "=" + keys.get(i) : keys.get(i) + "#";
                values.put(keys.get(i), value);
                whole.put(keys.get(i), value);
            }
            parts.add(values);
        }
        KeyedValues<String> joined = KeyedValues.joined(keyOf, parts);
        assertEquals(whole.list(), joined.list());
        assertEquals(700, joined.size());
        Random random = new Random(11);
        for (int step = 0; step < 5_000; step++) {
            String key = randomStep(random, keys, step, new Table(whole::put, whole::remove), new Table(joined::put, joined::remove));
            assertEquals(whole.get(key), joined.get(key), key);
            String other = keys.get(random.nextInt(keys.size()));
            assertEquals(whole.get(other), joined.get(other), other);
        }
        assertEquals(new HashSet<>(whole.list()), new HashSet<>(joined.list()));
        assertEquals(List.of(), KeyedValues.joined(keyOf, List.<KeyedValues<String>>of()).list());
    }

    private record Table(java.util.function.BiConsumer<String, String> put, java.util.function.Consumer<String> remove) {
    }

    /**
     * Removes (one step in three) or puts a random key of KEYS in each of TABLES alike, its value giving its key back
     * ("=" and the key) or not; returns the key.
     */
    private static String randomStep(Random random, List<String> keys, int step, Table... tables) {
        String key = keys.get(random.nextInt(keys.size()));
        if (random.nextInt(3) == 0) {
            for (Table table : tables) {
                table.remove().accept(key);
            }
        } else {
            String value = random.nextBoolean() ? "=" + key : key + "#" + step;
            for (Table table : tables) {
                table.put().accept(key, value);
            }
        }
        return key;
    }
}
