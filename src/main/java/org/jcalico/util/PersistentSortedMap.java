package org.jcalico.util;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An immutable map in key order whose versions share everything a change does not touch, so that a change costs the
 * logarithm of the size, not a copy, and the difference between two versions costs what differs, not a walk of both
 * ({@link #diff}). The JDK has no such map; calc hands its tables from one calculation to the next through it, so that
 * one endpoint more costs its own chains and routes, not every local endpoint's (docs/dataplane.md, "One endpoint
 * added to 1,000, session 36").
 *
 * <p>A treap: a search tree by key, and a heap by a priority that is a hash of the key (ties broken by the key), so a
 * tree's shape follows from its keys alone. Versions made from one another share their untouched subtrees as the same
 * objects, and two trees of the same keys have the same shape wherever made: a difference descends both in step and
 * skips every subtree they share. Expected depth about 2 ln n (16 at 3,000 keys) for keys whose hashes spread.
 */
public final class PersistentSortedMap<K, V> extends AbstractMap<K, V> {
    private static final PersistentSortedMap<?, ?> NATURAL = new PersistentSortedMap<>(null, null);
    /** The order of {@link #byHash}'s keys of one hash: their text. */
    private static final Comparator<Object> BY_TEXT = Comparator.comparing(Object::toString);
    private static final PersistentSortedMap<?, ?> BY_HASH = new PersistentSortedMap<>(BY_TEXT, null);
    /** Null: the keys' natural order; BY_TEXT: by hash, then text; else this comparator. */
    private final Comparator<? super K> order;
    private final Node<K, V> root;

    private PersistentSortedMap(Comparator<? super K> order, Node<K, V> root) {
        this.order = order;
        this.root = root;
    }

    /** Empty, in the keys' natural order. */
    @SuppressWarnings("unchecked")
    public static <K extends Comparable<? super K>, V> PersistentSortedMap<K, V> empty() {
        return (PersistentSortedMap<K, V>) NATURAL;
    }

    /**
     * Empty, for keys that have no order of their own: ordered by their hash codes, which each node keeps (a record's is
     * worked out anew at every call: comparing by it at each level of a lookup made a set of 2,000 routes several
     * times slower than a hash set), keys of one hash by their text, which must then tell unequal keys apart (a
     * record's does, when its components' do).
     */
    @SuppressWarnings("unchecked")
    public static <K, V> PersistentSortedMap<K, V> byHash() {
        return (PersistentSortedMap<K, V>) BY_HASH;
    }

    /**
     * KEYS as a map ordered by hash ({@link #byHash}): that map itself when KEYS are the keys of one, as calc hands out
     * routes and interfaces, else a new one of them (each mapped to TRUE). A driver that keeps what it wrote as such a
     * version finds what to write next by {@link #keyChanges}, at the cost of what changed (docs/dataplane.md, "One
     * endpoint added to 1,000, session 37").
     */
    @SuppressWarnings("unchecked")
    public static <K> PersistentSortedMap<K, Object> byHashOf(Set<K> keys) {
        if (keys instanceof Keys<K> same && same.map.order == BY_TEXT) {
            return (PersistentSortedMap<K, Object>) same.map;
        }
        PersistentSortedMap<K, Object> map = byHash();
        for (K key : keys) {
            map = map.with(key, Boolean.TRUE);
        }
        return map;
    }

    /**
     * The keys AFTER has and BEFORE has not into CAME, and those BEFORE has and AFTER has not into GONE, each in key
     * order, whatever their values: {@link #diff} of the two, so at the cost of what differs when one was made from the
     * other.
     */
    @SuppressWarnings("unchecked")
    public static <K> void keyChanges(PersistentSortedMap<K, ?> before, PersistentSortedMap<K, ?> after,
                                      Collection<K> came, Collection<K> gone) {
        diff((PersistentSortedMap<K, Object>) before, (PersistentSortedMap<K, Object>) after, new Differences<>() {
            @Override
            public void changed(K key, Object was, Object is) {
                if (was == null) {
                    came.add(key);
                }
            }

            @Override
            public void gone(K key, Object was) {
                gone.add(key);
            }
        });
    }

    /** MAP itself when it is one in natural order, else its entries in one. */
    public static <K extends Comparable<? super K>, V> PersistentSortedMap<K, V> copyOf(Map<K, V> map) {
        if (map instanceof PersistentSortedMap<K, V> same && same.order == null) {
            return same;
        }
        PersistentSortedMap<K, V> copy = empty();
        for (Map.Entry<K, V> entry : map.entrySet()) {
            copy = copy.with(entry.getKey(), entry.getValue());
        }
        return copy;
    }

    /** This map with KEY mapped to VALUE (not null); this map itself when it maps KEY to that very object. */
    public PersistentSortedMap<K, V> with(K key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        Node<K, V> changed = put(root, key, value, key.hashCode());
        return changed == root ? this : new PersistentSortedMap<>(order, changed);
    }

    /** This map without KEY; this map itself when it has none. */
    public PersistentSortedMap<K, V> without(K key) {
        Node<K, V> changed = remove(root, key, key.hashCode());
        return changed == root ? this : new PersistentSortedMap<>(order, changed);
    }

    /** A variable holding a version, for code that changes a map in callbacks: each change replaces the version. */
    public Editor<K, V> editor() {
        return new Editor<>(this);
    }

    /** See {@link #editor}. */
    public static final class Editor<K, V> {
        private PersistentSortedMap<K, V> map;

        private Editor(PersistentSortedMap<K, V> map) {
            this.map = map;
        }

        public void put(K key, V value) {
            map = map.with(key, value);
        }

        public void remove(K key) {
            map = map.without(key);
        }

        /** The version the changes made. */
        public PersistentSortedMap<K, V> map() {
            return map;
        }
    }

    /** What a visitor of {@link #diff} is told, in key order. */
    public interface Differences<K, V> {
        /** KEY maps to AFTER, and before to BEFORE (another object, maybe equal), or to nothing (null). */
        void changed(K key, V before, V after);

        /** KEY mapped to BEFORE and no longer does. */
        void gone(K key, V before);
    }

    /**
     * Tells VISITOR each key whose value differs by object between BEFORE and AFTER (of one order), in key order. The
     * work is proportional to what differs (times the depth) when one was made from the other, since their shared
     * subtrees are skipped; at worst a walk of both.
     */
    public static <K, V> void diff(PersistentSortedMap<K, V> before, PersistentSortedMap<K, V> after,
                                   Differences<K, V> visitor) {
        if (before.order != after.order) {
            throw new IllegalArgumentException("maps of different orders");
        }
        after.diff(before.root, after.root, visitor);
    }

    /** Calls ACTION for each entry whose key is at least FROM and below TO, in key order. */
    public void forEachBetween(K from, K to, BiConsumer<? super K, ? super V> action) {
        forEachBetween(root, from, to, action);
    }

    @Override
    public V get(Object key) {
        Node<K, V> node = root;
        int hash = key.hashCode();
        while (node != null) {
            @SuppressWarnings("unchecked")
            int c = compare((K) key, hash, node);
            if (c == 0) {
                return node.value;
            }
            node = c < 0 ? node.left : node.right;
        }
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return root == null ? 0 : root.size;
    }

    @Override
    public boolean isEmpty() {
        return root == null;
    }

    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
        forEach(root, action);
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<K, V>> iterator() {
                return new InOrder<>(root);
            }

            @Override
            public int size() {
                return PersistentSortedMap.this.size();
            }
        };
    }

    /** The keys, an immutable set that answers {@code contains} by lookup. */
    @Override
    public Set<K> keySet() {
        return new Keys<>(this);
    }

    /** A persistent map's keys, immutable: whoever keeps a set needs no copy of one. */
    public static final class Keys<K> extends AbstractSet<K> {
        private final PersistentSortedMap<K, ?> map;

        private Keys(PersistentSortedMap<K, ?> map) {
            this.map = map;
        }

        @Override
        public boolean contains(Object key) {
            return map.containsKey(key);
        }

        @Override
        public Iterator<K> iterator() {
            Iterator<? extends Entry<K, ?>> entries = new InOrder<>(map.root);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return entries.hasNext();
                }

                @Override
                public K next() {
                    return entries.next().getKey();
                }
            };
        }

        @Override
        public int size() {
            return map.size();
        }
    }

    private static final class Node<K, V> implements Map.Entry<K, V> {
        final K key;
        final V value;
        final int hash;
        final int priority;
        final Node<K, V> left;
        final Node<K, V> right;
        final int size;

        Node(K key, V value, int hash, Node<K, V> left, Node<K, V> right) {
            this.key = key;
            this.value = value;
            this.hash = hash;
            this.priority = priority(hash);
            this.left = left;
            this.right = right;
            this.size = 1 + (left == null ? 0 : left.size) + (right == null ? 0 : right.size);
        }

        Node<K, V> with(Node<K, V> newLeft, Node<K, V> newRight) {
            return newLeft == left && newRight == right ? this : new Node<>(key, value, hash, newLeft, newRight);
        }

        @Override
        public K getKey() {
            return key;
        }

        @Override
        public V getValue() {
            return value;
        }

        @Override
        public V setValue(V value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Map.Entry<?, ?> entry && key.equals(entry.getKey()) && value.equals(entry.getValue());
        }

        @Override
        public int hashCode() {
            return key.hashCode() ^ value.hashCode();
        }

        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    @SuppressWarnings("unchecked")
    private int compare(K one, K other) {
        if (order == BY_TEXT && one.hashCode() != other.hashCode()) {
            return Integer.compare(one.hashCode(), other.hashCode());
        }
        // a key found is a key of its own hash: equal, not printed (two records' texts at every hit of a lookup or a
        // difference, the routes' and interfaces' on a cold pass run as method-handle chains: docs/dataplane.md,
        // "Session 61 (p-cold)")
        if (order == BY_TEXT && one.equals(other)) {
            return 0;
        }
        return order == null ? ((Comparable<? super K>) one).compareTo(other) : order.compare(one, other);
    }

    /** KEY (whose hash code is HASH) against NODE's key, by the hash NODE keeps when ordered by hash. */
    private int compare(K key, int hash, Node<K, V> node) {
        if (order == BY_TEXT && hash != node.hash) {
            return Integer.compare(hash, node.hash);
        }
        return compare(key, node.key);
    }

    /**
     * A key's hash code, mixed (MurmurHash3's finaliser, a bijection) so that similar keys get unrelated priorities, and
     * keys ordered by hash code are not also heaped by it.
     */
    private static int priority(int hash) {
        int h = hash;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    /** Whether a node of KEY (of hash code HASH) sits above NODE: the higher priority, the lower key on a tie. */
    private boolean above(K key, int hash, Node<K, V> node) {
        int priority = priority(hash);
        return priority != node.priority ? priority > node.priority : compare(key, hash, node) < 0;
    }

    private Node<K, V> put(Node<K, V> node, K key, V value, int hash) {
        if (node == null) {
            return new Node<>(key, value, hash, null, null);
        }
        int c = compare(key, hash, node);
        if (c == 0) {
            return node.value == value ? node : new Node<>(node.key, value, node.hash, node.left, node.right);
        }
        // KEY sits below NODE when NODE's subtree has it: only a new key can sit above
        if (above(key, hash, node)) {
            Node<K, V>[] halves = split(node, key, hash);
            return new Node<>(key, value, hash, halves[0], halves[1]);
        }
        return c < 0 ? node.with(put(node.left, key, value, hash), node.right)
                : node.with(node.left, put(node.right, key, value, hash));
    }

    private Node<K, V> remove(Node<K, V> node, K key, int hash) {
        if (node == null) {
            return null;
        }
        int c = compare(key, hash, node);
        if (c == 0) {
            return merge(node.left, node.right);
        }
        return c < 0 ? node.with(remove(node.left, key, hash), node.right)
                : node.with(node.left, remove(node.right, key, hash));
    }

    /** The keys of NODE below KEY and above it (KEY itself not among them), sharing every subtree off KEY's path. */
    @SuppressWarnings("unchecked")
    private Node<K, V>[] split(Node<K, V> node, K key, int hash) {
        if (node == null) {
            return (Node<K, V>[]) new Node[2];
        }
        if (compare(key, hash, node) < 0) {
            Node<K, V>[] halves = split(node.left, key, hash);
            halves[1] = node.with(halves[1], node.right);
            return halves;
        }
        Node<K, V>[] halves = split(node.right, key, hash);
        halves[0] = node.with(node.left, halves[0]);
        return halves;
    }

    /** LOW and HIGH, every key of LOW below every key of HIGH, as one tree. */
    private Node<K, V> merge(Node<K, V> low, Node<K, V> high) {
        if (low == null) {
            return high;
        }
        if (high == null) {
            return low;
        }
        return above(low.key, low.hash, high) ? low.with(low.left, merge(low.right, high))
                : high.with(merge(low, high.left), high.right);
    }

    private void diff(Node<K, V> before, Node<K, V> after, Differences<K, V> visitor) {
        if (before == after) {
            return;
        }
        if (before == null) {
            forEach(after, (key, value) -> visitor.changed(key, null, value));
            return;
        }
        if (after == null) {
            forEach(before, visitor::gone);
            return;
        }
        int c = compare(before.key, before.hash, after);
        if (c == 0) {
            diff(before.left, after.left, visitor);
            if (before.value != after.value) {
                visitor.changed(after.key, before.value, after.value);
            }
            diff(before.right, after.right, visitor);
        } else if (above(before.key, before.hash, after)) {
            // the root of BEFORE sits above every key of AFTER: were it among them, it would be AFTER's root
            Node<K, V>[] halves = split(after, before.key, before.hash);
            diff(before.left, halves[0], visitor);
            visitor.gone(before.key, before.value);
            diff(before.right, halves[1], visitor);
        } else {
            Node<K, V>[] halves = split(before, after.key, after.hash);
            diff(halves[0], after.left, visitor);
            visitor.changed(after.key, null, after.value);
            diff(halves[1], after.right, visitor);
        }
    }

    private static <K, V> void forEach(Node<K, V> node, BiConsumer<? super K, ? super V> action) {
        while (node != null) {
            forEach(node.left, action);
            action.accept(node.key, node.value);
            node = node.right;
        }
    }

    private void forEachBetween(Node<K, V> node, K from, K to, BiConsumer<? super K, ? super V> action) {
        while (node != null) {
            boolean afterFrom = compare(node.key, from) >= 0;
            boolean beforeTo = compare(node.key, to) < 0;
            if (afterFrom) {
                forEachBetween(node.left, from, to, action);
            }
            if (afterFrom && beforeTo) {
                action.accept(node.key, node.value);
            }
            if (!beforeTo) {
                return;
            }
            node = node.right;
        }
    }

    /** In key order, by a stack of the nodes whose left subtrees are being walked. */
    private static final class InOrder<K, V> implements Iterator<Entry<K, V>> {
        private final ArrayDeque<Node<K, V>> path = new ArrayDeque<>();

        InOrder(Node<K, V> root) {
            descend(root);
        }

        private void descend(Node<K, V> node) {
            for (; node != null; node = node.left) {
                path.push(node);
            }
        }

        @Override
        public boolean hasNext() {
            return !path.isEmpty();
        }

        @Override
        public Entry<K, V> next() {
            if (path.isEmpty()) {
                throw new NoSuchElementException();
            }
            Node<K, V> node = path.pop();
            descend(node.right);
            return node;
        }
    }
}
