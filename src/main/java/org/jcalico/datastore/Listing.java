package org.jcalico.datastore;

import java.util.List;

/** Every key under a prefix, in key order, as of one revision: a watch from that revision misses nothing. */
public record Listing(List<KeyValue> items, long revision) {
    public Listing {
        items = List.copyOf(items);
    }
}
