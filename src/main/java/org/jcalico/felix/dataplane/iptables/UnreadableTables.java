package org.jcalico.felix.dataplane.iptables;

import java.util.Set;
import org.jcalico.kernel.KernelException;

/**
 * An iptables-save that left tables out as incompatible (another program's nft rules there that iptables cannot
 * express): a read-back that failed, with what it could read of the other tables. Whoever knows by other means that
 * such a table holds nothing of jcalico's and wants nothing there may take the rest ({@link IptablesDriver}).
 */
final class UnreadableTables extends KernelException {
    private final transient Set<String> tables;
    private final transient IptablesSnapshot readable;

    UnreadableTables(String message, Set<String> tables, IptablesSnapshot readable) {
        super(message);
        this.tables = Set.copyOf(tables);
        this.readable = readable;
    }

    /** The tables left out, by name ("filter"). */
    Set<String> tables() {
        return tables;
    }

    /** The jcalico-owned part of the tables that were shown. */
    IptablesSnapshot readable() {
        return readable;
    }
}
