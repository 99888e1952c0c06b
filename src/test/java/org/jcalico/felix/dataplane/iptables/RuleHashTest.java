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

    /**
     * iptables-nft evaluates a rule's matches in the order written, and a comment is a match there (nft_compat's
     * xt "comment", an indirect call that always matches): written before the verdict, it runs only for a packet that
     * every criterion took, and a packet of an established flow turned away by the hold rules' state test (and a new one
     * by a policy rule's set) never runs it.
     */
    @Test
    void taggedPutsTheCommentAfterTheCriteriaJustBeforeTheVerdict() {
        assertEquals("-m conntrack --ctstate NEW,INVALID,UNTRACKED -m set --match-set jc-4-hold src -m comment --comment \"jc:h\" -j DROP",
                RuleHash.tagged("h", "-m conntrack --ctstate NEW,INVALID,UNTRACKED -m set --match-set jc-4-hold src -j DROP"));
        assertEquals("-i jca1 -s 10.0.0.1/32 -m comment --comment \"jc:h\" -g jc-fw-jca1", RuleHash.tagged("h", "-i jca1 -s 10.0.0.1/32 -g jc-fw-jca1"));
        assertEquals("-m mark --mark 0x0/0x2000000 -m comment --comment \"jc:h\" -j NFLOG --nflog-group 1 --nflog-prefix jc-x:3",
                RuleHash.tagged("h", "-m mark --mark 0x0/0x2000000 -j NFLOG --nflog-group 1 --nflog-prefix jc-x:3"));
        assertEquals("-m comment --comment \"jc:h\" -j jc-FORWARD", RuleHash.tagged("h", "-j jc-FORWARD"));
        assertEquals("-m comment --comment \"a -j b\" -m comment --comment \"jc:h\" -j DROP",
                RuleHash.tagged("h", "-m comment --comment \"a -j b\" -j DROP"), "the verdict is the rule's last -j");
    }

    @Test
    void aTagFollowingTheRulesOwnCommentIsFoundAndSoIsOneWrittenFirstByAnEarlierVersion() {
        String hash = RuleHash.of("jc-x", "-p tcp -m comment --comment \"jc:BBBBBBBBBBBBBBBB\" -j ACCEPT");
        assertEquals(hash, RuleHash.find("-p tcp -m comment --comment \"jc:BBBBBBBBBBBBBBBB\" -m comment --comment \"jc:"
                + hash + "\" -j ACCEPT"));
        assertEquals(hash, RuleHash.find("-p tcp -m comment --comment \"jc:" + hash + "\" -m tcp --dport 80 -j ACCEPT"));
    }

    /**
     * The shapes of the established path that iptables-save prints as written go untagged (each tag a packet reaches
     * is an xt match on iptables-nft), and the read-back tells them by their text: the same hash as the tag would
     * carry. Any other shape keeps its tag, as its saved form may differ from the written one.
     */
    @Test
    void writtenLeavesPlainShapesUntaggedAndIdentifyTellsThemByTheirText() {
        for (String plain : java.util.List.of("-i jc+ -j jc-from-wl-dispatch", "-o jc+ -j ACCEPT", "-i jc+ -g jc-wl-to-host",
                "-j jc-so-0123456789abcdef", "-j DROP", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN")) {
            String hash = RuleHash.of("jc-x", plain);
            assertEquals(plain, RuleHash.written(hash, plain));
            assertEquals(hash, RuleHash.identify("jc-x", plain), plain);
        }
        for (String tagged : java.util.List.of("-i jca1 -s 10.0.0.1/32 -g jc-fw-jca1", "! -i jc+ -m set --match-set jc-4-local src -j jc-local-source",
                "-m conntrack --ctstate NEW,INVALID,UNTRACKED -m set --match-set jc-4-hold src -j DROP",
                "-m conntrack --ctstate INVALID -j DROP", "-j MARK --set-xmark 0x0/0x3000000", "-p tcp --dport 80 -j ACCEPT")) {
            String hash = RuleHash.of("jc-x", tagged);
            assertEquals(RuleHash.tagged(hash, tagged), RuleHash.written(hash, tagged));
            assertEquals(hash, RuleHash.identify("jc-x", RuleHash.tagged(hash, tagged)), tagged);
        }
        assertNotEquals(RuleHash.of("jc-x", "-s 10.0.0.1/32 -i jca1 -g jc-fw-jca1"),
                RuleHash.identify("jc-x", "-s 10.0.0.1/32 -i jca1 -m comment --comment \"jc:AAAAAAAAAAAAAAAA\" -g jc-fw-jca1"));
    }

    /**
     * {@link RuleHash#plain} reads its shapes by hand (a cold plan asks it of every rule); it must say what the pattern
     * that describes them says, for every shape and every near miss: a rule wrongly taken for plain would go untagged
     * and be rewritten at every read-back, one wrongly taken for tagged would cost a comment match on the packet path.
     */
    @Test
    void plainSaysWhatItsPatternSaysForEveryShapeAndNearMiss() {
        java.util.regex.Pattern shapes = java.util.regex.Pattern.compile(
                "(-[io] [A-Za-z0-9_.+-]+ )?-[jg] [A-Za-z0-9_.-]+|-m conntrack --ctstate RELATED,ESTABLISHED -j (ACCEPT|RETURN)");
        java.util.List<String> interfaces = java.util.List.of("", "-i ", "-o ", "-I ", "-x ", "-i", "i ", "! -i ");
        java.util.List<String> names = java.util.List.of("jc+", "a", "", "a b", "jcw1.x_y-z", "+", "\u00e9", "a+", "a\tb", "a/b");
        java.util.List<String> gaps = java.util.List.of(" ", "  ", "", "\t");
        java.util.List<String> verdicts = java.util.List.of("-j ", "-g ", "-J ", "-j", "-m ", "-j  ", "--jump ");
        java.util.List<String> targets = java.util.List.of("ACCEPT", "jc-b", "a+", "", "a b", "DROP --x", "jc.b_c-9", "RETURN ", "\u00e9");
        int plain = 0;
        for (String in : interfaces) {
            for (String name : names) {
                for (String gap : gaps) {
                    for (String verdict : verdicts) {
                        for (String target : targets) {
                            String rule = in.isEmpty() ? verdict + target : in + name + gap + verdict + target;
                            assertEquals(shapes.matcher(rule).matches(), RuleHash.plain(rule), rule);
                            plain += RuleHash.plain(rule) ? 1 : 0;
                        }
                    }
                }
            }
        }
        for (String established : java.util.List.of("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN", "-m conntrack --ctstate RELATED,ESTABLISHED -j DROP",
                "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT ",
                "-i jc+ -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")) {
            assertEquals(shapes.matcher(established).matches(), RuleHash.plain(established), established);
        }
        assertNotEquals(0, plain, "the corpus holds plain shapes");
    }
}
