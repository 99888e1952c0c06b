package org.jcalico.model;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * One shared instance of equal immutable values that many records repeat: an agent keeps every endpoint of the
 * cluster, and a hundred thousand endpoints carry a few hundred distinct label sets, namespaces and port lists
 * (replicas of a deployment are labelled alike). Held weakly, so a value nobody uses any more is forgotten.
 */
final class Interned {
    private static final Map<Object, WeakReference<Object>> VALUES = new WeakHashMap<>();

    private Interned() {
    }

    /** An instance equal to VALUE (which must be immutable): the first one seen and still in use. */
    @SuppressWarnings("unchecked")
    static synchronized <T> T of(T value) {
        WeakReference<Object> kept = VALUES.get(value);
        Object instance = kept == null ? null : kept.get();
        if (instance != null) {
            return (T) instance;
        }
        VALUES.put(value, new WeakReference<>(value));
        return value;
    }
}
