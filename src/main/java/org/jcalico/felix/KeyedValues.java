package org.jcalico.felix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Values by key that also copy out as one list cheaply: the agent hands every endpoint of the cluster to each
 * calculation, and with 100,000 of them walking a HashMap's nodes for that was a sixth of a pass; here it is one
 * array copy. Removing swaps the last value into the hole, so the order is arbitrary, as a HashMap's was.
 *
 * <p>A value's key is not kept when the value gives it back ({@code keyOf}, as a resource gives its datastore key):
 * the key's text, its map entry and its boxed position were 14 MB of an agent's heap with 100,000 endpoints, more
 * than the endpoint records themselves. Positions live in an open-addressing table of ints beside each key's hash;
 * a lookup compares hashes and makes the key of the one value whose hash matches. A key that its value does not give
 * back (a value written by hand under another key) is kept as given.
 */
final class KeyedValues<T> {
    private static final int FREE = -1;
    private final Function<T, String> keyOf;
    private final List<T> values = new ArrayList<>();
    /** The key of each position that its value does not give back, else null. */
    private final List<String> keptKeys = new ArrayList<>();
    /** Each position's key's hash. */
    private int[] hashes = new int[16];
    /** Positions by hash, linear probing; FREE where none. */
    private int[] slots = freeSlots(16);
    /**
     * The copy {@link #list} last made, until a value is put or removed (null: none yet). Each pass of the agent asks
     * for one, every periodic resync among them: at 100,000 endpoints a copy (two arrays of their references, as
     * List.copyOf makes it) lived through the pass's young collections and was promoted (docs/agent.md, "Memory").
     */
    private List<T> copy;

    KeyedValues(Function<T, String> keyOf) {
        this.keyOf = keyOf;
    }

    void put(String key, T value) {
        copy = null;
        int hash = key.hashCode();
        int position = find(key, hash);
        String kept = key.equals(keyOf.apply(value)) ? null : key;
        if (position != FREE) {
            values.set(position, value);
            keptKeys.set(position, kept);
            return;
        }
        position = values.size();
        values.add(value);
        keptKeys.add(kept);
        if (position == hashes.length) {
            hashes = Arrays.copyOf(hashes, position * 2);
        }
        hashes[position] = hash;
        if ((position + 1) * 2 > slots.length) {
            rehash(slots.length * 2);
        } else {
            slots[freeSlot(hash)] = position;
        }
    }

    /**
     * The values of PARTS, in the parts' order, as one table. The parts hold distinct keys (a listing's parts are
     * disjoint ranges of keys), each put where it was filled, so nothing is compared or hashed again here: the agent's
     * listing fills a table per part on the part's own thread while the store sends the other parts, and the loop
     * joins them (docs/agent.md, "Start-up of the agent", session 35).
     */
    static <T> KeyedValues<T> joined(Function<T, String> keyOf, List<KeyedValues<T>> parts) {
        KeyedValues<T> joined = new KeyedValues<>(keyOf);
        int size = parts.stream().mapToInt(part -> part.values.size()).sum();
        joined.hashes = new int[Math.max(16, size)];
        for (KeyedValues<T> part : parts) {
            System.arraycopy(part.hashes, 0, joined.hashes, joined.values.size(), part.values.size());
            joined.values.addAll(part.values);
            joined.keptKeys.addAll(part.keptKeys);
        }
        // as put() would have grown it: more than twice the slots of the values
        joined.rehash(Math.max(16, Integer.highestOneBit(Math.max(1, size * 2 + 1)) * 2));
        return joined;
    }

    int size() {
        return values.size();
    }

    /** The value under the key, or null. */
    T get(String key) {
        int position = find(key, key.hashCode());
        return position == FREE ? null : values.get(position);
    }

    void remove(String key) {
        int hash = key.hashCode();
        int slot = slotOf(key, hash);
        if (slot == FREE) {
            return;
        }
        copy = null;
        int position = slots[slot];
        vacate(slot);
        int last = values.size() - 1;
        if (position != last) {
            // the last value moves into the hole: its slot now points there
            slots[slotHolding(last)] = position;
            values.set(position, values.get(last));
            keptKeys.set(position, keptKeys.get(last));
            hashes[position] = hashes[last];
        }
        values.remove(last);
        keptKeys.remove(last);
    }

    /**
     * An immutable copy, which List.copyOf (as in Snapshot) hands on without copying again: the one made last while no
     * value was put or removed since.
     */
    List<T> list() {
        if (copy == null) {
            copy = List.copyOf(values);
        }
        return copy;
    }

    /** Each value with the key it is kept under when it does not give that key back, else null (no key made). */
    void forEachKept(java.util.function.BiConsumer<T, String> action) {
        for (int position = 0; position < values.size(); position++) {
            action.accept(values.get(position), keptKeys.get(position));
        }
    }

    private String keyAt(int position) {
        String kept = keptKeys.get(position);
        return kept != null ? kept : keyOf.apply(values.get(position));
    }

    private int find(String key, int hash) {
        int slot = slotOf(key, hash);
        return slot == FREE ? FREE : slots[slot];
    }

    /** The slot holding the key's position, or FREE. */
    private int slotOf(String key, int hash) {
        int mask = slots.length - 1;
        for (int slot = spread(hash) & mask; slots[slot] != FREE; slot = (slot + 1) & mask) {
            int position = slots[slot];
            if (hashes[position] == hash && keyAt(position).equals(key)) {
                return slot;
            }
        }
        return FREE;
    }

    /** The slot that holds POSITION, which is in the table. */
    private int slotHolding(int position) {
        int mask = slots.length - 1;
        int slot = spread(hashes[position]) & mask;
        while (slots[slot] != position) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private int freeSlot(int hash) {
        int mask = slots.length - 1;
        int slot = spread(hash) & mask;
        while (slots[slot] != FREE) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** Empties SLOT and moves back the entries after it that probing would no longer reach (no tombstones). */
    private void vacate(int slot) {
        int mask = slots.length - 1;
        int hole = slot;
        slots[hole] = FREE;
        for (int next = (hole + 1) & mask; slots[next] != FREE; next = (next + 1) & mask) {
            int home = spread(hashes[slots[next]]) & mask;
            // the entry at NEXT may fill the hole if its home is not cyclically within (hole, next]
            boolean reachable = hole <= next ? home > hole && home <= next : home > hole || home <= next;
            if (!reachable) {
                slots[hole] = slots[next];
                slots[next] = FREE;
                hole = next;
            }
        }
    }

    private void rehash(int capacity) {
        slots = freeSlots(capacity);
        for (int position = 0; position < values.size(); position++) {
            slots[freeSlot(hashes[position])] = position;
        }
    }

    private static int[] freeSlots(int capacity) {
        int[] slots = new int[capacity];
        Arrays.fill(slots, FREE);
        return slots;
    }

    /** String hashes of keys sharing a long prefix differ mostly in their low bits' neighbours: mix the high ones in. */
    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
