package org.jcalico.felix.calc;

import java.util.HashMap;
import java.util.Map;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Marks;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Verdict;

/**
 * The polarity of each set a policy's or profile's chain matches. An endpoint's chain is a first-match list of Allow
 * (SetMark ACCEPT) and Deny (Drop) rules over its tiers and profiles: a packet is allowed when some allow rule matches
 * it and no deny rule before it does. So what it allows grows with each allow rule's matches and shrinks with each
 * deny rule's; a rule's match grows with a set it matches positively and shrinks with one it matches negated. Any
 * other verdict of a rule that matches a set (a Pass: SetMark PASS, or a profile's RETURN) skips later rules of both
 * kinds, so its sets are MIXED. Log rules (a Log action's, a drop's log) decide nothing and do not count.
 */
final class SetPolarities {
    private SetPolarities() {
    }

    static Map<String, SetPolarity> of(ProgramChain chain) {
        Map<String, SetPolarity> polarities = new HashMap<>();
        for (ProgramRule rule : chain.rules()) {
            if (rule.verdict() instanceof Verdict.Log) {
                continue;
            }
            for (Criterion criterion : rule.match().criteria()) {
                if (criterion instanceof Criterion.InSet set) {
                    polarities.merge(set.set(), polarity(rule.verdict(), set.negated()), SetPolarity::join);
                }
            }
        }
        return Map.copyOf(polarities);
    }

    private static SetPolarity polarity(Verdict verdict, boolean negated) {
        boolean allows = verdict instanceof Verdict.SetMark mark && mark.bits() == Marks.ACCEPT;
        if (!allows && !(verdict instanceof Verdict.Drop)) {
            return SetPolarity.MIXED;
        }
        return allows != negated ? SetPolarity.ALLOWING : SetPolarity.DENYING;
    }
}
