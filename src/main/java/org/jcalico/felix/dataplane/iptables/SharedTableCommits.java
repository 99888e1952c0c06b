package org.jcalico.felix.dataplane.iptables;

import java.util.Set;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.NfTablesCommits.Touched;

/**
 * Which of another program's commits to nf_tables may have changed what the iptables driver's resync repairs: its
 * jumps at the top of the built-in chains it hooks, its own chains, and the security table's guards (docs/dataplane.md,
 * "Session 66 (t-narrow)"). It shares iptables-nft's tables with docker and the firewalls, so it cannot go by table
 * alone; it goes by chain. Within iptables' tables (filter, nat, mangle, raw, security, both families) a rule added to
 * or deleted from a chain that is neither built in nor jcalico's changes nothing jcalico holds: such a chain is
 * entered only from a built-in chain's rule, below jcalico's jump at its top (a rule above it was a commit to the
 * built-in chain, which brought a resync that put the jump back on top), and where it is entered above the jump
 * while that resync comes, the security table's guards drop whatever jcalico's chain did not judge. Anything else
 * counts: a rule of a built-in or jc- chain, anything of the security table, any chain (a rename is told by the new
 * name only, a policy or a hook by the chain), set, element or table, and what was not told. nat's built-in chains
 * count only while jcalico hooks that family's nat table (a masquerading pool): nat changes addresses, never a
 * verdict, so there only jcalico's masquerade hook is at stake. Another table's rules cannot undo a drop of jcalico's
 * chains, nor would a resync remove them.
 */
public final class SharedTableCommits {
    private static final Set<String> TABLES = Set.of("filter", "nat", "mangle", "raw", "security");
    private static final Set<String> BUILT_IN = Set.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");

    private SharedTableCommits() {
    }

    /**
     * Whether a commit that touched TOUCHED (null: not known) may have changed what the iptables driver repairs, while
     * it hooks chains of the tables HOOKED (as nft names them: "ip nat").
     */
    public static boolean mayHaveChanged(Set<Touched> touched, Set<String> hooked) {
        return touched == null || touched.stream().anyMatch(object -> mayHaveChanged(object, hooked));
    }

    private static boolean mayHaveChanged(Touched object, Set<String> hooked) {
        String[] table = object.table().split(" ", 2);
        if (table.length != 2 || !(table[0].equals("ip") || table[0].equals("ip6")) || !TABLES.contains(table[1])) {
            return false;
        }
        String chain = object.chain();
        if (table[1].equals("security") || chain == null || chain.startsWith(HostState.OWNED_PREFIX)) {
            return true;
        }
        return BUILT_IN.contains(chain) && (!table[1].equals("nat") || hooked.contains(object.table()));
    }
}
