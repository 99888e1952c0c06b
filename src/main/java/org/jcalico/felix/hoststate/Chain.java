package org.jcalico.felix.hoststate;

import java.util.Collections;
import java.util.List;
import org.jcalico.felix.program.Origin;

/**
 * One jcalico-owned iptables chain: its rules in iptables-restore syntax, without the "-A NAME" part, and where each
 * rule comes from ({@code origins.get(i)} is the origin of {@code rules.get(i)}), which {@code policy explain} reads
 * to tell a kernel counter as a verdict. Rules given without origins are structural. MAPS are the nftables verdict maps
 * the chain's rules look packets up in, each rule being its map's {@link VerdictMap#rule()} (none on iptables).
 */
public record Chain(String name, List<String> rules, List<Origin> origins, List<VerdictMap> maps) {
    public Chain {
        if (!name.startsWith(HostState.OWNED_PREFIX) || name.length() > 28) {
            throw new IllegalArgumentException("chain name " + name + " is not jcalico's or is too long");
        }
        rules = interned(rules);
        origins = origins == null ? Collections.nCopies(rules.size(), Origin.STRUCTURAL) : List.copyOf(origins);
        if (origins.size() != rules.size()) {
            throw new IllegalArgumentException("chain " + name + " has " + rules.size() + " rules but " + origins.size()
                    + " origins");
        }
        maps = List.copyOf(maps);
        for (VerdictMap map : maps) {
            if (!rules.contains(map.rule())) {
                throw new IllegalArgumentException("chain " + name + " has no rule looking up its map " + map.name());
            }
        }
    }

    public Chain(String name, List<String> rules, List<Origin> origins) {
        this(name, rules, origins, List.of());
    }

    /**
     * The rules, each an instance shared with every equal rule of any chain (the JVM's string table holds them weakly):
     * endpoint chains repeat the same jumps, marks and drops, and in `bench policy` 110,000 rendered rules of 1,000
     * endpoints were 11 MB of text of which 10 MB repeated (docs/agent.md, "Memory").
     */
    private static List<String> interned(List<String> rules) {
        String[] shared = new String[rules.size()];
        for (int i = 0; i < shared.length; i++) {
            shared[i] = rules.get(i).intern();
        }
        return List.of(shared);
    }

    public Chain(String name, List<String> rules) {
        this(name, rules, null);
    }

    /** The rules with each map written into the rule that looks it up, as one reads them. */
    public List<String> inlineRules() {
        if (maps.isEmpty()) {
            return rules;
        }
        List<String> inline = new java.util.ArrayList<>(rules);
        for (VerdictMap map : maps) {
            inline.set(inline.indexOf(map.rule()), map.inline());
        }
        return List.copyOf(inline);
    }

    /**
     * By name and rules only (equal chains have equal origins and maps' types too; maps of one rule differ in their
     * elements, which a lookup's equals compares): the driver looks each desired chain up on every
     * apply, and hashing a thousand endpoints' origin records each time cost more than the rest of the lookup.
     */
    @Override
    public int hashCode() {
        return name.hashCode() * 31 + rules.hashCode();
    }
}
