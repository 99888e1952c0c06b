package org.jcalico.felix.program;

/** One rule of the neutral model: a match, what to do with a matching packet, and where the rule comes from. */
public record ProgramRule(Match match, Verdict verdict, Origin origin) {
    public ProgramRule {
        if (match == null || verdict == null || origin == null) {
            throw new IllegalArgumentException("a rule needs a match, a verdict and an origin");
        }
    }

    public static ProgramRule structural(Match match, Verdict verdict) {
        return new ProgramRule(match, verdict, Origin.STRUCTURAL);
    }
}
