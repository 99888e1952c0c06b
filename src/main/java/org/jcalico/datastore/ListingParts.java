package org.jcalico.datastore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jcalico.model.Node;
import org.jcalico.model.WorkloadEndpoint;

/**
 * A listing of everything ({@link Keys#ROOT}) read in parts at once ({@link Datastore#list(String, Splitter, List)}):
 * where to split it, and the checks and dealing every store shares. A cluster's keys are mostly its endpoints, kept
 * under {@code workloadendpoints/NODE/}, so the parts are split at the endpoints of nodes evenly spaced among the
 * nodes' names: parts of about equal size where nodes carry about as many endpoints each (docs/datastore.md, "What an
 * agent lists and watches").
 */
public final class ListingParts {
    /**
     * How many parts an agent lists at once: etcd encodes each part's pages on a core of its own, and the agent decodes
     * each on its own thread (measured with 2, 3 and 4 parts on 2 cores: 4 was as fast as any; docs/datastore.md).
     */
    public static final int AGENT = 4;

    private ListingParts() {
    }

    /**
     * Where a listing in parts is split: SPLITS chooses the splits from the keys under UNDER (in key order), which the
     * store reads without their values as the listing's first request (etcd: at the revision the parts are then read
     * at, over the connections that read them), so that no other read of the store need come before the listing.
     * The splits must be ascending keys under the listing's prefix, at most one fewer than its parts.
     */
    public record Splitter(String under, Function<List<String>, List<String>> splits) {
    }

    /**
     * The splits of a listing of ROOT into at most PARTS parts (fewer where there are fewer nodes), chosen from the
     * nodes' keys: any keys would be correct boundaries, these only make the parts about even.
     */
    public static Splitter byNodes(int parts) {
        String prefix = Keys.prefix(Node.class);
        return new Splitter(prefix, keys -> {
            List<String> splits = new ArrayList<>();
            for (int i = 1; i < parts && keys.size() >= parts; i++) {
                splits.add(Keys.nodePrefix(WorkloadEndpoint.class, keys.get(i * keys.size() / parts).substring(prefix.length())));
            }
            // "a/" sorts after "a-b/" though "a" sorts before "a-b"
            Collections.sort(splits);
            return List.copyOf(new LinkedHashSet<>(splits));
        });
    }

    /**
     * Refuses splits that are not ascending keys under the prefix, or more of them than the parts take (fewer leave
     * the last parts empty).
     */
    public static void check(String prefix, List<String> splits, int parts) {
        if (splits.size() + 1 > parts) {
            throw new IllegalArgumentException(splits.size() + " splits make " + (splits.size() + 1) + " parts, more than " + parts);
        }
        for (int i = 0; i < splits.size(); i++) {
            if (!splits.get(i).startsWith(prefix) || splits.get(i).equals(prefix)
                    || i > 0 && splits.get(i - 1).compareTo(splits.get(i)) >= 0) {
                throw new IllegalArgumentException("listing splits must be ascending keys under " + prefix + ": " + splits);
            }
        }
    }

    /** Hands each run of a page's keys that belong to one part to that part. */
    static void deal(List<KeyValue> page, List<String> splits, List<Consumer<List<KeyValue>>> parts) {
        int from = 0;
        while (from < page.size()) {
            int part = partOf(page.get(from).key(), splits);
            int to = from + 1;
            while (to < page.size() && partOf(page.get(to).key(), splits) == part) {
                to++;
            }
            parts.get(part).accept(page.subList(from, to));
            from = to;
        }
    }

    private static int partOf(String key, List<String> splits) {
        int part = 0;
        while (part < splits.size() && splits.get(part).compareTo(key) <= 0) {
            part++;
        }
        return part;
    }
}
