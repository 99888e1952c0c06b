package org.jcalico.felix.hoststate;

import java.util.Collections;
import java.util.List;
import org.jcalico.felix.program.Origin;

/**
 * One jcalico-owned iptables chain: its rules in iptables-restore syntax, without the "-A NAME" part, and where each
 * rule comes from ({@code origins.get(i)} is the origin of {@code rules.get(i)}), which {@code policy explain} reads
 * to tell a kernel counter as a verdict. Rules given without origins are structural.
 */
public record Chain(String name, List<String> rules, List<Origin> origins) {
    public Chain {
        if (!name.startsWith(HostState.OWNED_PREFIX) || name.length() > 28) {
            throw new IllegalArgumentException("chain name " + name + " is not jcalico's or is too long");
        }
        rules = List.copyOf(rules);
        origins = origins == null ? Collections.nCopies(rules.size(), Origin.STRUCTURAL) : List.copyOf(origins);
        if (origins.size() != rules.size()) {
            throw new IllegalArgumentException("chain " + name + " has " + rules.size() + " rules but " + origins.size()
                    + " origins");
        }
    }

    public Chain(String name, List<String> rules) {
        this(name, rules, null);
    }

    /**
     * By name and rules only (equal chains have equal origins too): the driver looks each desired chain up on every
     * apply, and hashing a thousand endpoints' origin records each time cost more than the rest of the lookup.
     */
    @Override
    public int hashCode() {
        return name.hashCode() * 31 + rules.hashCode();
    }
}
