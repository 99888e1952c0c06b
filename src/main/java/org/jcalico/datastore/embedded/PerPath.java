package org.jcalico.datastore.embedded;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** One value per store file path in this process, made at its first acquire and forgotten at its last release. */
final class PerPath<T> {
    private final Map<Path, T> values = new HashMap<>();
    private final Map<Path, Integer> holders = new HashMap<>();
    private final Function<Path, T> make;

    /** @param make the value for a path (absolute and normalised) */
    PerPath(Function<Path, T> make) {
        this.make = make;
    }

    synchronized T acquire(Path path) {
        Path key = key(path);
        holders.merge(key, 1, Integer::sum);
        return values.computeIfAbsent(key, make);
    }

    synchronized void release(Path path) {
        Path key = key(path);
        if (holders.merge(key, -1, Integer::sum) == 0) {
            holders.remove(key);
            values.remove(key);
        }
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }
}
