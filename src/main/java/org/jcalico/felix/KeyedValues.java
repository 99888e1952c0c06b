package org.jcalico.felix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values by key that also copy out as one list cheaply: the agent hands every endpoint of the cluster to each
 * calculation, and with 100,000 of them walking a HashMap's nodes for that was a sixth of a pass; here it is one
 * array copy. Removing swaps the last value into the hole, so the order is arbitrary, as a HashMap's was.
 */
final class KeyedValues<T> {
    private final Map<String, Integer> positions = new HashMap<>();
    private final List<String> keys = new ArrayList<>();
    private final List<T> values = new ArrayList<>();

    void put(String key, T value) {
        Integer position = positions.get(key);
        if (position != null) {
            values.set(position, value);
            return;
        }
        positions.put(key, values.size());
        keys.add(key);
        values.add(value);
    }

    /** The value under the key, or null. */
    T get(String key) {
        Integer position = positions.get(key);
        return position == null ? null : values.get(position);
    }

    void remove(String key) {
        Integer position = positions.remove(key);
        if (position == null) {
            return;
        }
        int last = values.size() - 1;
        if (position != last) {
            values.set(position, values.get(last));
            keys.set(position, keys.get(last));
            positions.put(keys.get(position), position);
        }
        values.remove(last);
        keys.remove(last);
    }

    /** An immutable copy, which List.copyOf (as in Snapshot) hands on without copying again. */
    List<T> list() {
        return List.copyOf(values);
    }
}
