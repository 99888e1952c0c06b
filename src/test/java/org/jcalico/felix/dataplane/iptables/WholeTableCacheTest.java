package org.jcalico.felix.dataplane.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WholeTableCacheTest {
    private static final String TWO_TABLES = "*raw\n-A jc-r -j ACCEPT\nCOMMIT\n*filter\n:jc-a - [0:0]\n-A jc-a -j DROP\nCOMMIT\n";

    @Test
    void eachTableListsItselfFirstSoThatTheToolFetchesItsChainsAtOnce() {
        assertEquals("*raw\n-S\n-A jc-r -j ACCEPT\nCOMMIT\n*filter\n-S\n:jc-a - [0:0]\n-A jc-a -j DROP\nCOMMIT\n",
                WholeTableCache.of(TWO_TABLES).input());
    }

    /** Listed before such an insert, the built-in chain is taken for one that exists and the insert is refused. */
    @Test
    void aTableInsertingIntoABuiltInChainListsItselfAfterTheLastSuchInsert() {
        String hooks = "*filter\n:jc-a - [0:0]\n-D FORWARD -j jc-old\n-I FORWARD 1 -j jc-a\n-I INPUT 1 -j jc-a\n"
                + "-A jc-a -j DROP\nCOMMIT\n";
        assertEquals("*filter\n:jc-a - [0:0]\n-D FORWARD -j jc-old\n-I FORWARD 1 -j jc-a\n-I INPUT 1 -j jc-a\n-S\n"
                + "-A jc-a -j DROP\nCOMMIT\n", WholeTableCache.of(hooks).input());
        assertEquals("line 6 failed", WholeTableCache.of(hooks).numberedAsGiven("line 7 failed"));
    }

    /** Only a rule into a built-in chain moves the listing: not one into jcalico's own, nor a deletion. */
    @Test
    void linesThatOnlyLookLikeARuleIntoABuiltInChainDoNotMoveTheListing() {
        String input = "*filter\n:jc-a - [0:0]\n-D FORWARD -j jc-old\n-I jc-FORWARD 1 -j jc-a\n-A jc-a -j DROP\n"
                + "-I INPUT 1 -j jc-a\n-A OUTPUT\nCOMMIT\n*nat\n-A POSTROUTING -j jc-n\nCOMMIT\n*raw\nCOMMIT\n";
        WholeTableCache listed = WholeTableCache.of(input);
        assertEquals("*filter\n:jc-a - [0:0]\n-D FORWARD -j jc-old\n-I jc-FORWARD 1 -j jc-a\n-A jc-a -j DROP\n"
                + "-I INPUT 1 -j jc-a\n-S\n-A OUTPUT\nCOMMIT\n*nat\n-A POSTROUTING -j jc-n\n-S\nCOMMIT\n*raw\n-S\nCOMMIT\n",
                listed.input());
        assertEquals("line 13 failed", listed.numberedAsGiven("line 16 failed"));
        assertEquals("line 11 failed", listed.numberedAsGiven("line 13 failed"));
    }

    @Test
    void theToolsLineNumbersBecomeTheInputsOwn() {
        WholeTableCache listed = WholeTableCache.of(TWO_TABLES);
        // line 8 of the listed input is "-A jc-a -j DROP", line 6 of the input given
        assertEquals("iptables-restore: line 6 failed: No chain/target/match by that name.",
                listed.numberedAsGiven("iptables-restore: line 8 failed: No chain/target/match by that name."));
        assertEquals("Error occurred at line: 3", listed.numberedAsGiven("Error occurred at line: 4"));
    }
}
