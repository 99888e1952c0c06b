package org.jcalico.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Each version equals a TreeMap given the same changes, older versions stay as they were, and the difference between
 * any two versions (made from one another or apart) is exactly what differs, in key order.
 */
class PersistentSortedMapTest {
    @Test
    void everyVersionIsTheTreeMapOfItsChangesAndTheDifferencesAreExact() {
        property(PersistentSortedMap.empty(), true);
    }

    /** Ordered by hash: among the keys some of one hash ("Aa" and "BB" have one, and so do their concatenations). */
    @Test
    void orderedByHashLikewise() {
        property(PersistentSortedMap.byHash(), false);
    }

    private static void property(PersistentSortedMap<String, Integer> empty, boolean inKeyOrder) {
        Random random = new Random(36);
        List<PersistentSortedMap<String, Integer>> versions = new ArrayList<>();
        List<TreeMap<String, Integer>> expected = new ArrayList<>();
        PersistentSortedMap<String, Integer> map = empty;
        TreeMap<String, Integer> tree = new TreeMap<>();
        List<String> colliding = List.of("AaAa", "AaBB", "BBAa", "BBBB", "Aa", "BB");
        for (int step = 0; step < 3_000; step++) {
            String key = random.nextInt(10) == 0 ? colliding.get(random.nextInt(colliding.size())) : "k" + random.nextInt(400);
            if (random.nextInt(3) == 0) {
                map = map.without(key);
                tree.remove(key);
            } else {
                Integer value = random.nextInt(5);
                map = map.with(key, value);
                tree.put(key, value);
            }
            if (step % 30 == 0) {
                versions.add(map);
                expected.add(new TreeMap<>(tree));
            }
        }
        for (int i = 0; i < versions.size(); i++) {
            assertEquals(expected.get(i), versions.get(i), "version " + i);
            if (inKeyOrder) {
                assertEquals(new ArrayList<>(expected.get(i).entrySet()), new ArrayList<>(versions.get(i).entrySet()));
            }
            assertEquals(expected.get(i).size(), versions.get(i).size());
            assertEquals(expected.get(i).keySet(), versions.get(i).keySet());
        }
        for (int i = 0; i < 200; i++) {
            int one = random.nextInt(versions.size());
            int other = random.nextInt(versions.size());
            List<String> found = diff(versions.get(one), versions.get(other));
            if (!inKeyOrder) {
                found.sort(null);
            }
            List<String> wanted = naiveDiff(expected.get(one), expected.get(other));
            if (!inKeyOrder) {
                wanted.sort(null);
            }
            assertEquals(wanted, found);
        }
        // apart: the same content made in another order has the same shape, so nothing differs
        PersistentSortedMap<String, Integer> apart = empty;
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(map.entrySet());
        java.util.Collections.shuffle(entries, random);
        for (Map.Entry<String, Integer> entry : entries) {
            apart = apart.with(entry.getKey(), entry.getValue());
        }
        assertEquals(List.of(), diff(map, apart));
    }

    /**
     * Ordered by hash, a key is printed only to tell it from an unequal key of its hash: never to find it, nor to
     * compare two versions (calc's routes and interfaces are records, whose text is a costly thing to make on a cold
     * pass).
     */
    @Test
    void orderedByHashAKeyFoundOrComparedIsNotPrinted() {
        AtomicInteger printed = new AtomicInteger();
        record Key(int id, AtomicInteger printed) {
            @Override
            public String toString() {
                printed.incrementAndGet();
                return "key " + id;
            }
        }
        PersistentSortedMap<Key, Integer> map = PersistentSortedMap.byHash();
        PersistentSortedMap<Key, Integer> apart = PersistentSortedMap.byHash();
        for (int id = 0; id < 1_000; id++) {
            map = map.with(new Key(id, printed), id);
            apart = apart.with(new Key(999 - id, printed), 999 - id);
        }
        for (int id = 0; id < 1_000; id++) {
            assertEquals(id, map.get(new Key(id, printed)));
        }
        assertEquals(List.of(), diff(map, apart, Key::toString));
        assertEquals(0, printed.get(), "keys printed");
    }

    @Test
    void rangesAndUnchangedVersions() {
        PersistentSortedMap<String, Integer> map = PersistentSortedMap.empty();
        for (String key : List.of("a", "b", "b-1", "b-2", "c", "d")) {
            map = map.with(key, key.length());
        }
        List<String> between = new ArrayList<>();
        map.forEachBetween("b", "c", (key, value) -> between.add(key));
        assertEquals(List.of("b", "b-1", "b-2"), between);
        Integer one = map.get("a");
        assertSame(map, map.with("a", one));
        assertSame(map, map.without("zz"));
        assertTrue(map.keySet().contains("b-2"));
    }

    private static List<String> diff(PersistentSortedMap<String, Integer> before, PersistentSortedMap<String, Integer> after) {
        return diff(before, after, key -> key);
    }

    private static <K> List<String> diff(PersistentSortedMap<K, Integer> before, PersistentSortedMap<K, Integer> after,
                                         Function<K, String> text) {
        List<String> seen = new ArrayList<>();
        PersistentSortedMap.diff(before, after, new PersistentSortedMap.Differences<>() {
            @Override
            public void changed(K key, Integer was, Integer is) {
                if (!is.equals(was)) {
                    seen.add("changed " + text.apply(key) + " " + was + " " + is);
                }
            }

            @Override
            public void gone(K key, Integer was) {
                seen.add("gone " + text.apply(key) + " " + was);
            }
        });
        return seen;
    }

    private static List<String> naiveDiff(TreeMap<String, Integer> before, TreeMap<String, Integer> after) {
        TreeMap<String, String> seen = new TreeMap<>();
        after.forEach((key, value) -> {
            if (!value.equals(before.get(key))) {
                seen.put(key, "changed " + key + " " + before.get(key) + " " + value);
            }
        });
        before.forEach((key, value) -> {
            if (!after.containsKey(key)) {
                seen.put(key, "gone " + key + " " + value);
            }
        });
        return new ArrayList<>(seen.values());
    }
}
