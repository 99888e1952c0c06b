package org.jcalico.felix.calc;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A set of objects by identity in one array (open addressing, linear probing), for the calculation's indexes with an
 * entry per endpoint: a group's items and a profile's. A {@link java.util.HashSet} costs a 24-byte node and a table
 * slot per element, about 30 bytes, which with 100,000 endpoints in two such sets each was 7 MB of `bench scale`'s
 * live heap; here an element is a slot of a table kept between a quarter and three quarters full, 5-16 bytes
 * (docs/agent.md, "Memory", session 39). Not thread-safe; threads may iterate at once while nobody changes it. Its
 * iterator does not remove, and its order is arbitrary (as a HashSet of objects hashed by identity).
 */
final class IdentitySet<T> extends AbstractSet<T> {
    private static final Object[] NONE = {};
    private static final int FIRST_CAPACITY = 4;

    private Object[] slots = NONE;
    private int size;

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean contains(Object element) {
        return element != null && slots.length > 0 && slots[find(slots, element)] == element;
    }

    @Override
    public boolean add(T element) {
        if (element == null) {
            throw new NullPointerException("an identity set holds no null");
        }
        if ((size + 1) * 4L > slots.length * 3L) {
            grow();
        }
        int at = find(slots, element);
        if (slots[at] == element) {
            return false;
        }
        slots[at] = element;
        size++;
        return true;
    }

    @Override
    public boolean remove(Object element) {
        if (element == null || slots.length == 0) {
            return false;
        }
        int at = find(slots, element);
        if (slots[at] != element) {
            return false;
        }
        // backward-shift deletion: each later element of the run moves into the hole if its home is not past it
        int mask = slots.length - 1;
        int hole = at;
        for (int next = (hole + 1) & mask; slots[next] != null; next = (next + 1) & mask) {
            int home = home(slots[next], mask);
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                slots[hole] = slots[next];
                hole = next;
            }
        }
        slots[hole] = null;
        size--;
        return true;
    }

    @Override
    public Iterator<T> iterator() {
        Object[] table = slots;
        return new Iterator<>() {
            private int at = advance(0);

            private int advance(int from) {
                while (from < table.length && table[from] == null) {
                    from++;
                }
                return from;
            }

            @Override
            public boolean hasNext() {
                return at < table.length;
            }

            @Override
            @SuppressWarnings("unchecked")
            public T next() {
                if (at >= table.length) {
                    throw new NoSuchElementException();
                }
                T element = (T) table[at];
                at = advance(at + 1);
                return element;
            }
        };
    }

    private void grow() {
        Object[] old = slots;
        slots = new Object[old.length == 0 ? FIRST_CAPACITY : old.length * 2];
        for (Object element : old) {
            if (element != null) {
                slots[find(slots, element)] = element;
            }
        }
    }

    /** The slot of ELEMENT in TABLE, or the empty slot where it would go (the table is never full). */
    private static int find(Object[] table, Object element) {
        int mask = table.length - 1;
        int at = home(element, mask);
        while (table[at] != null && table[at] != element) {
            at = (at + 1) & mask;
        }
        return at;
    }

    /** Identity hashes are spread by Fibonacci hashing, so that a run of them does not fill neighbouring slots. */
    private static int home(Object element, int mask) {
        return (System.identityHashCode(element) * 0x9E3779B9 >>> 7) & mask;
    }
}
