package org.jcalico.felix.hoststate;

import java.util.List;

/** One jcalico-owned iptables chain: its rules in iptables-restore syntax, without the "-A NAME" part. */
public record Chain(String name, List<String> rules) {
    public Chain {
        if (!name.startsWith(HostState.OWNED_PREFIX) || name.length() > 28) {
            throw new IllegalArgumentException("chain name " + name + " is not jcalico's or is too long");
        }
        rules = List.copyOf(rules);
    }
}
