package org.jcalico.felix.dataplane.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.IptablesState;
import org.junit.jupiter.api.Test;

class RefusedSetReadersTest {
    private static final IptablesState STATE = new IptablesState(4, Map.of("filter", Map.of(
            "jc-gi-deny", chain("jc-gi-deny", "-m set --match-set jc-4s-bad src -j DROP", "-j ACCEPT"),
            "jc-gi-other", chain("jc-gi-other", "-m set --match-set jc-4s-badder src -j DROP"),
            "jc-FORWARD", chain("jc-FORWARD", "-m set ! --match-set jc-4s-bad dst -j ACCEPT"))), List.of());

    @Test
    void isolableReadersAreHeldDropOnlyAndTheOthersShared() {
        RefusedSetReaders readers = RefusedSetReaders.of(Set.of("jc-4s-bad"), Set.of("jc-gi-deny", "jc-gi-other"), STATE);
        assertEquals(Set.of("jc-gi-deny"), readers.held(), "a set whose name starts another's is not read");
        assertEquals(Set.of("jc-FORWARD"), readers.shared());
        IptablesState holding = readers.holding(STATE);
        assertEquals(List.of("-j DROP", "-m set --match-set jc-4s-bad src -j DROP", "-j ACCEPT"),
                holding.tables().get("filter").get("jc-gi-deny").rules(),
                "dropping all traffic first, its own rules behind for the kernel to judge");
        assertEquals(STATE.tables().get("filter").get("jc-gi-other"), holding.tables().get("filter").get("jc-gi-other"));
        assertTrue(readers.failures().failures().get("jc-gi-deny").contains("jc-4s-bad"));
    }

    @Test
    void noRefusedSetHoldsNothing() {
        RefusedSetReaders readers = RefusedSetReaders.of(Set.of(), Set.of("jc-gi-deny"), STATE);
        assertTrue(readers.none());
        assertEquals(Map.of(), readers.failures().failures());
    }

    private static Chain chain(String name, String... rules) {
        return new Chain(name, List.of(rules), null);
    }
}
