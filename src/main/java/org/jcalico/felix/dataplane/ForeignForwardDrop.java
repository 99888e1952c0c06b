package org.jcalico.felix.dataplane;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jcalico.kernel.BaseChain;
import org.jcalico.felix.dataplane.nftables.NftablesDriver;
import org.jcalico.model.DataplaneDriver;

/**
 * Whether forwarded workload traffic that jcalico's rules accept is dropped after all by another program's base chain
 * on the forward hook: nftables passes a packet through every table's base chains on a hook, and an accept ends only
 * the chain it is in. Under the iptables driver the accept of jc-FORWARD ends iptables' own FORWARD chain (docker's
 * policy DROP included), so only other tables count; under the nftables driver iptables' FORWARD counts too.
 */
final class ForeignForwardDrop {
    /** iptables-nft's FORWARD chains, which the iptables driver's jump into jc-FORWARD heads. */
    private static final Set<BaseChain> IPTABLES_FORWARD =
            Set.of(new BaseChain("ip", "filter", "FORWARD"), new BaseChain("ip6", "filter", "FORWARD"));

    private ForeignForwardDrop() {
    }

    /**
     * A warning for the status, or null: DROPPING are the forward hook's base chains that drop by policy
     * ({@link org.jcalico.kernel.NfTables#forwardDropping}), DRIVER the one programming the kernel.
     */
    static String warning(Set<BaseChain> dropping, DataplaneDriver driver) {
        List<BaseChain> foreign = dropping.stream()
                .sorted()
                .filter(chain -> !NftablesDriver.owns(chain))
                .filter(chain -> driver == DataplaneDriver.NFTABLES || !IPTABLES_FORWARD.contains(chain))
                .toList();
        if (foreign.isEmpty()) {
            return null;
        }
        String remedy = driver == DataplaneDriver.NFTABLES && foreign.stream().anyMatch(IPTABLES_FORWARD::contains)
                ? " (docker sets iptables' FORWARD policy to DROP): allow jcalico's interfaces there, e.g. `iptables -I "
                        + "DOCKER-USER -i jc+ -j ACCEPT` and `-o jc+` (and ip6tables), or use dataplaneDriver: iptables"
                : ": allow jcalico's interfaces (jc+) in it";
        return "forwarded workload traffic that jcalico's policy allows is dropped by "
                + foreign.stream().map(BaseChain::shown).collect(Collectors.joining(", "))
                + " (policy drop on the forward hook, which an accept in jcalico's " + driver + " rules does not end)"
                + remedy;
    }
}
