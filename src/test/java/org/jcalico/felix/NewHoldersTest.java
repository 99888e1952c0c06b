package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.model.IpAddress;
import org.junit.jupiter.api.Test;

class NewHoldersTest {
    private static final IpAddress X = IpAddress.parse("10.65.1.5");
    private static final IpAddress Y = IpAddress.parse("10.65.1.6");
    private static final IpAddress GONE = IpAddress.parse("10.65.1.7");

    /**
     * The holders written after the applied revision are the new ones; with that revision unknown (0) or above the
     * listing's (a store that is not the one it was of), every holder is.
     */
    @Test
    void theHoldersWrittenAfterTheAppliedRevisionAreNewAndAllAreWhenItIsUnknown() {
        NewHolders known = NewHolders.of(7, 9, Set.of(X));
        assertTrue(known.mayHaveChanged(X));
        assertFalse(known.mayHaveChanged(Y));
        assertTrue(NewHolders.of(0, 9, Set.of()).mayHaveChanged(Y), "no revision applied yet");
        assertTrue(NewHolders.of(12, 9, Set.of()).mayHaveChanged(Y), "a store whose revision went back");
        assertFalse(NewHolders.NONE.mayHaveChanged(Y));
    }

    /**
     * The first pass's state has the new holders' addresses among its departed ones (forgotten once its rules are in,
     * after the start's dump), besides calc's own; a state with none, or ALL (no list of the cluster), is unchanged.
     */
    @Test
    void theNewHoldersAddressesDepartWithTheFirstPassesState() {
        HostState state = new HostState(new IptablesState(4, Map.of(), List.of()), new IptablesState(6, Map.of(), List.of()),
                Map.of(), Set.of(), Set.of(), Map.of()).withDeparted(Set.of(GONE));
        assertEquals(Set.of(X, GONE), NewHolders.of(7, 9, Set.of(X)).departedFrom(state).departed());
        assertSame(state, NewHolders.of(0, 9, Set.of()).departedFrom(state));
        assertSame(state, NewHolders.NONE.departedFrom(state));
        Set<IpAddress> churned = new java.util.HashSet<>();
        for (int i = 0; i <= NewHolders.MAX_DEPARTED; i++) {
            churned.add(IpAddress.parse("10.66." + i / 256 + "." + i % 256));
        }
        assertSame(state, NewHolders.of(7, 9, churned).departedFrom(state),
                "a churn of the cluster: the sweep alone, no list that grows with the cluster");
        churned.remove(churned.iterator().next());
        assertEquals(NewHolders.MAX_DEPARTED + 1, NewHolders.of(7, 9, churned).departedFrom(state).departed().size());
    }
}
