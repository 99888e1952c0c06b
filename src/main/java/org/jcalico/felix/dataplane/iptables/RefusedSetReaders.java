package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.Isolation;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.program.Origin;

/**
 * The chains whose rules read a set the kernel refused to fill (full at its maxelem, out of memory). Such rules would
 * meet the set's old or partial members and judge part of what the policy names unlike the rest: a Deny by a blocklist
 * that outgrew its set drops some of it and lets the others through. A reader that only some endpoints depend on
 * (ISOLABLE) is held: it drops all traffic, as a chain the kernel refused does ({@link Isolation}); when any other chain
 * reads such a set, none of the change's rules may be written ({@link #shared}). Only the fill's refusals count (the
 * creates, replacements and member changes of the sets the rules read), never the sweep's of sets no longer wanted.
 *
 * @param refused the desired sets whose fill the kernel refused
 * @param held the isolable chains that read a refused set, to be written dropping all traffic
 * @param shared the other chains that read one
 */
public record RefusedSetReaders(Set<String> refused, Set<String> held, Set<String> shared) {
    public RefusedSetReaders {
        refused = Set.copyOf(refused);
        held = Set.copyOf(held);
        shared = Set.copyOf(shared);
    }

    /** The chains of STATES whose rules read one of REFUSED. */
    public static RefusedSetReaders of(Set<String> refused, Set<String> isolable, IptablesState... states) {
        if (refused.isEmpty()) {
            // the apply's usual case: no walk of every chain's rules, which would make each add grow with the host
            return new RefusedSetReaders(Set.of(), Set.of(), Set.of());
        }
        Set<String> held = new TreeSet<>();
        Set<String> shared = new TreeSet<>();
        for (IptablesState state : states) {
            state.tables().values().forEach(chains -> chains.values().forEach(chain -> {
                if (chain.rules().stream().anyMatch(rule -> refused.stream().anyMatch(set -> reads(rule, set)))) {
                    (isolable.contains(chain.name()) ? held : shared).add(chain.name());
                }
            }));
        }
        return new RefusedSetReaders(refused, held, shared);
    }

    private static boolean reads(String rule, String set) {
        return rule.contains("--match-set " + set + " ");
    }

    public boolean none() {
        return held.isEmpty() && shared.isEmpty();
    }

    /**
     * STATE with every held chain dropping all traffic by a first rule, its own rules kept behind it: never reached, but
     * still given to the kernel, so that a rule the kernel refuses (the set missing or of another family, its
     * replacement refused) fails the chain with the kernel's own message, isolated as any refused chain is.
     */
    public IptablesState holding(IptablesState state) {
        return Isolation.replaced(state, held, RefusedSetReaders::droppingFirst);
    }

    private static Chain droppingFirst(Chain chain) {
        List<String> rules = new ArrayList<>(IptablesDriver.DROP_ONLY);
        rules.addAll(chain.rules());
        List<Origin> origins = new ArrayList<>(Collections.nCopies(IptablesDriver.DROP_ONLY.size(), Origin.STRUCTURAL));
        origins.addAll(chain.origins());
        return new Chain(chain.name(), rules, origins);
    }

    /** Each held chain reported under its name, so that the endpoints that depend on it fail, saying why. */
    public Changes failures() {
        Changes failures = Changes.NONE;
        for (String chain : held) {
            failures = failures.plus(Changes.failure(chain, "chain " + chain + " drops all traffic: it reads a set the "
                    + "kernel refused to fill (" + String.join(", ", new TreeSet<>(refused)) + "), and would let through "
                    + "what the set's missing members should meet"));
        }
        return failures;
    }
}
