package org.jcalico.felix.render;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.Origin;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.Verdict;

/**
 * How a neutral chain becomes kernel text, whatever the syntax: one rendered rule per neutral rule, each keeping its
 * origin, the criteria in calc's order and then the verdict. A renderer gives the two things that differ between
 * dataplanes, the text of one criterion (for an IP family; empty when the criterion tests nothing in that syntax) and
 * of one verdict.
 */
public record RuleSyntax(CriterionText criterion, Function<Verdict, String> verdict) {
    /** The text of one criterion for IP version 4 or 6; empty when it tests nothing. */
    @FunctionalInterface
    public interface CriterionText {
        String of(Criterion criterion, int version);
    }

    public Chain chain(ProgramChain chain, int version) {
        List<String> rules = new ArrayList<>(chain.rules().size());
        List<Origin> origins = new ArrayList<>(chain.rules().size());
        for (ProgramRule rule : chain.rules()) {
            rules.add(rule(rule, version));
            origins.add(rule.origin());
        }
        return new Chain(chain.name(), rules, origins);
    }

    public String rule(ProgramRule rule, int version) {
        StringBuilder text = new StringBuilder();
        for (Criterion criterion : rule.match().criteria()) {
            String part = this.criterion.of(criterion, version);
            if (!part.isEmpty()) {
                text.append(part).append(' ');
            }
        }
        return text.append(verdict.apply(rule.verdict())).toString();
    }
}
