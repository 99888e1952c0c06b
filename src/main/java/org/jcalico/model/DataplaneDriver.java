package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Which kernel interface programs the packet filter: iptables and ipset, or nftables (docs/dataplane.md). */
public enum DataplaneDriver {
    IPTABLES, NFTABLES;

    @JsonCreator
    public static DataplaneDriver parse(String text) {
        for (DataplaneDriver driver : values()) {
            if (driver.toString().equals(text)) {
                return driver;
            }
        }
        throw ValidationException.field("dataplaneDriver", text, "is not iptables or nftables");
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
