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
public final class ListChanges {
    private ListChanges() {
    }

    /**
     * The last comparison, for callers that compare the same two lists: the selector sets, the local selection and
     * the tag sets each compare the last snapshot's endpoints with this one's, which walked the cluster's endpoints
     * three times per calculation (0.3-0.7 ms of an add at 11,000 endpoints, 1.5-2 ms in the first add after
     * programming: docs/dataplane.md, "One endpoint added to 1,000, session 38"). A caller whose last list is another
     * (the tag sets skip calculations while no tag is in use) gets its own walk. Holds the two lists last compared.
     * The selector sets' first update runs beside the calculating thread, hence synchronized.
     */
    static final class Shared {
        private List<?> before;
        private List<?> after;
        private List<?> added = List.of();
        private List<?> gone = List.of();

        @SuppressWarnings("unchecked")
        synchronized <T> void compare(List<? extends T> before, List<? extends T> after, List<T> added, List<T> gone) {
            if (before != this.before || after != this.after) {
                List<T> came = new ArrayList<>();
                List<T> went = new ArrayList<>();
                ListChanges.compare(before, after, came, went);
                this.before = before;
                this.after = after;
                this.added = came;
                this.gone = went;
            }
            added.addAll((List<T>) this.added);
            gone.addAll((List<T>) this.gone);
        }
    }

    public static <T> void compare(List<? extends T> before, List<? extends T> after, List<T> added, List<T> gone) {
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
