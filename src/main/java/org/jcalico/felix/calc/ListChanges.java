package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What came and went between two lists of the same resources, by object identity. The agent's cache lists them in a
 * stable order (a change replaces an object in its place, a removal moves the last one into the gap), so walking both
 * lists side by side finds the few places that differ without looking up 100,000 objects; only the objects found
 * there are told apart by identity. Any order gives the right answer, only more slowly.
 */
final class ListChanges {
    private ListChanges() {
    }

    static <T> void compare(List<? extends T> before, List<? extends T> after, List<T> added, List<T> gone) {
        Map<T, Boolean> left = new IdentityHashMap<>();
        List<T> arrived = new ArrayList<>();
        int common = Math.min(before.size(), after.size());
        for (int i = 0; i < common; i++) {
            T was = before.get(i);
            T is = after.get(i);
            if (was != is) {
                left.put(was, Boolean.TRUE);
                arrived.add(is);
            }
        }
        before.subList(common, before.size()).forEach(was -> left.put(was, Boolean.TRUE));
        arrived.addAll(after.subList(common, after.size()));
        for (T is : arrived) {
            if (left.remove(is) == null) {
                added.add(is);
            }
        }
        gone.addAll(left.keySet());
    }
}
