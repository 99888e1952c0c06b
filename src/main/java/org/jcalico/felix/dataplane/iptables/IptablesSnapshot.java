package org.jcalico.felix.dataplane.iptables;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** The jcalico-owned part of one iptables version (IPv4 or IPv6), by table: as read back, or as last written. */
public record IptablesSnapshot(Map<String, TableState> tables) {
    public static final IptablesSnapshot EMPTY = new IptablesSnapshot(Map.of());

    public IptablesSnapshot {
        tables = Collections.unmodifiableMap(new TreeMap<>(tables));
    }

    public TableState table(String name) {
        return tables.getOrDefault(name, TableState.EMPTY);
    }
}
