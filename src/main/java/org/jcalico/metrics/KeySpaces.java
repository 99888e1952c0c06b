package org.jcalico.metrics;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.Keys;
import org.jcalico.model.Resource;

/**
 * The kind of record a datastore key holds, told by its key space (see {@link Keys}), for counting watch events by
 * kind: a fixed, small set of names (every resource kind, "Intent", and "other"), so that a label never grows with
 * the keys themselves.
 */
final class KeySpaces {
    static final String OTHER = "other";
    private final List<String> prefixes = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    KeySpaces() {
        for (Class<?> kind : Resource.class.getPermittedSubclasses()) {
            @SuppressWarnings("unchecked")
            Class<? extends Resource> resource = (Class<? extends Resource>) kind;
            prefixes.add(Keys.prefix(resource));
            names.add(kind.getSimpleName());
        }
        prefixes.add(Keys.INTENTS);
        names.add("Intent");
        names.add(OTHER);
    }

    /** Every name {@link #indexOf} can point at, {@link #OTHER} last. */
    List<String> names() {
        return List.copyOf(names);
    }

    /** The position in {@link #names} of the kind whose key space holds {@code key}. */
    int indexOf(String key) {
        for (int i = 0; i < prefixes.size(); i++) {
            if (key.startsWith(prefixes.get(i))) {
                return i;
            }
        }
        return names.size() - 1;
    }
}
