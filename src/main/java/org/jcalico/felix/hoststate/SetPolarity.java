package org.jcalico.felix.hoststate;

/**
 * How the filter rules in force use a set (docs/dataplane.md, "A change and the states the kernel passes through"):
 * what policy allows only grows with an ALLOWING set's members and only shrinks with a DENYING set's; a MIXED set's
 * members may do either. The iptables driver orders a change's ipset writes by it: a set matched by no filter rule has
 * none.
 */
public enum SetPolarity {
    /** Matched only positively by allowing rules, or negated by denying ones. */
    ALLOWING,
    /** Matched only positively by denying rules, or negated by allowing ones. */
    DENYING,
    /** Matched both ways, or by a rule whose effect is neither allow nor deny (a Pass). */
    MIXED;

    /** The polarity of a set matched as ONE and as OTHER (null: not matched). */
    public static SetPolarity join(SetPolarity one, SetPolarity other) {
        if (one == null || one == other) {
            return other;
        }
        return other == null ? one : MIXED;
    }
}
