package org.jcalico.felix.dataplane.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RuleHashTest {
    @Test
    void aChainRuleIsTaggedByChainAndTextWhereverItStands() {
        String hash = RuleHash.of("jc-fw-a", "-j DROP");
        assertEquals(16, hash.length());
        assertEquals(hash, RuleHash.of("jc-fw-a", "-j DROP"));
        assertNotEquals(hash, RuleHash.of("jc-fw-b", "-j DROP"));
        assertNotEquals(hash, RuleHash.of("jc-fw-a", "-j ACCEPT"));
        assertEquals(java.util.List.of(RuleHash.of("jc-fw-a", "-j ACCEPT"), hash),
                RuleHash.of(new org.jcalico.felix.hoststate.Chain("jc-fw-a", java.util.List.of("-j ACCEPT", "-j DROP"))));
    }

    @Test
    void aHookIsTaggedByChainPositionAndText() {
        String hash = RuleHash.of("jc-fw-a", 1, "-j DROP");
        assertEquals(16, hash.length());
        assertEquals(hash, RuleHash.of("jc-fw-a", 1, "-j DROP"));
        assertNotEquals(hash, RuleHash.of("jc-fw-b", 1, "-j DROP"));
        assertNotEquals(hash, RuleHash.of("jc-fw-a", 2, "-j DROP"));
        assertNotEquals(hash, RuleHash.of("jc-fw-a", 1, "-j ACCEPT"));
    }

    @Test
    void isFoundInTheNormalisedFormIptablesSavePrints() {
        String hash = RuleHash.of("jc-x", 3, "-p tcp --dport 80 -j ACCEPT");
        String saved = "-p tcp -m comment --comment \"jc:" + hash + "\" -m tcp --dport 80 -m comment --comment \"web\" -j ACCEPT";
        assertEquals(hash, RuleHash.find(saved));
    }

    @Test
    void theRulesOwnCommentIsNotTakenForATag() {
        assertNull(RuleHash.find("-m comment --comment \"jc:not a tag\" -j ACCEPT"));
        assertNull(RuleHash.find("-m comment --comment \"jc:AAAAAAAAAAAAAAAAAAAA\" -j ACCEPT"));
        String hash = RuleHash.of("jc-x", 1, "-j ACCEPT");
        String saved = "-m comment --comment \"jc:mine\" " + RuleHash.tagged(hash, "-j ACCEPT");
        assertEquals(hash, RuleHash.find(saved));
    }

    @Test
    void taggedPutsTheCommentFirst() {
        assertEquals("-m comment --comment \"jc:h\" -m comment --comment \"x y\" -j DROP",
                RuleHash.tagged("h", "-m comment --comment \"x y\" -j DROP"));
    }
}
