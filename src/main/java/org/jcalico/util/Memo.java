package org.jcalico.util;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Values derived from immutable inputs, kept from one round of work to the next: the agent recalculates its whole
 * desired state on every change, and with this only what is new or different is derived again. A round remembers
 * what it was asked for; everything else is forgotten when the next round starts, so the memo never outgrows the
 * inputs of one round. Not thread-safe.
 */
public final class Memo<K, V> {
    /** A map for about as many keys as the argument: a round asks for about what the last one asked for. */
    private final IntFunction<Map<K, V>> maps;
    private final Function<K, V> derive;
    private Map<K, V> previous;
    private Map<K, V> current;

    private Memo(IntFunction<Map<K, V>> maps, Function<K, V> derive) {
        this.maps = maps;
        this.derive = derive;
        this.previous = maps.apply(0);
        this.current = maps.apply(0);
    }

    /** Keys are the same when they are the same object: cheap for large records that are kept, not rebuilt. */
    public static <K, V> Memo<K, V> byIdentity(Function<K, V> derive) {
        return new Memo<>(IdentityHashMap::new, derive);
    }

    /** Keys are the same when they are equal. */
    public static <K, V> Memo<K, V> byEquality(Function<K, V> derive) {
        return new Memo<>(HashMap::newHashMap, derive);
    }

    /** Starts a round: what the last round did not ask for is dropped. */
    public void nextRound() {
        previous = current;
        // sized for the last round's keys: a round of thousands (the drivers' chains, calc's local endpoints) grew an
        // empty map through a rehash at every doubling
        current = maps.apply(previous.size());
    }

    public V get(K key) {
        return get(key, derive);
    }

    /** As {@link #get(Object)}, KEY's value derived by DERIVATION when it is not remembered (from a neighbour, say). */
    public V get(K key, Function<K, V> derivation) {
        V value = current.get(key);
        if (value == null) {
            value = previous.get(key);
            if (value == null) {
                value = derivation.apply(key);
            }
            current.put(key, value);
        }
        return value;
    }

    /** Gives KEY the VALUE derived elsewhere (on another thread, say), as if this round had derived it. */
    public void put(K key, V value) {
        current.put(key, value);
    }
}
