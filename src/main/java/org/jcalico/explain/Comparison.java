package org.jcalico.explain;

import java.util.List;
import org.jcalico.model.Action;
import org.jcalico.policy.Hit;
import org.jcalico.policy.Verdict;

/** Whether the kernel did with the probe what the model says, in one direction. */
public final class Comparison {
    private Comparison() {
    }

    /**
     * The disagreement, or null when they agree (or the kernel was not read in this direction).
     *
     * @param who           how to name the direction, e.g. "ingress of b"
     * @param kernel        null when the kernel was not read here
     * @param expectReached whether the probe must have met this direction's chains (the ingress is not reached when
     *                      the kernel dropped the probe on its way out)
     */
    public static String mismatch(String who, Verdict model, KernelPath kernel, boolean expectReached) {
        if (kernel == null || model.endpoint() == null) {
            return null;
        }
        if (kernel.decision() == null) {
            return expectReached ? who + ": the model says '" + model.decision().text()
                    + "', but no rule of the endpoint's chains counted the probe" : null;
        }
        if (!sameDecision(model.decision(), kernel.decision())) {
            return who + ": the model says '" + model.decision().text() + "', the kernel '" + kernel.decision().text() + "'";
        }
        List<Hit> modelled = model.path().stream().filter(Comparison::rendered).toList();
        List<Hit> counted = kernel.path().stream().filter(step -> step instanceof KernelStep.Modelled)
                .map(step -> ((KernelStep.Modelled) step).hit()).toList();
        if (!modelled.equals(counted)) {
            return who + ": the model passes " + texts(modelled) + " on the way, the kernel " + texts(counted);
        }
        return null;
    }

    /** Whether the model's decision is the one the kernel's rule was rendered from. */
    static boolean sameDecision(Hit model, KernelStep kernel) {
        return switch (kernel) {
            case KernelStep.Modelled modelled -> modelled.hit().equals(model);
            case KernelStep.EndpointDrop drop -> model instanceof Hit.ProfilesEnd || model instanceof Hit.NoProfile;
            case KernelStep.Plumbing plumbing -> false;
            case KernelStep.Other other -> false;
        };
    }

    /** The steps of the model's path that have a rule of their own in the kernel: Log and Pass rules. */
    private static boolean rendered(Hit hit) {
        return hit instanceof Hit.PolicyRule || hit instanceof Hit.ProfileRule
                || hit instanceof Hit.TierEnd end && end.action() == Action.DENY;
    }

    private static String texts(List<Hit> hits) {
        return hits.isEmpty() ? "nothing" : String.join("; ", hits.stream().map(Hit::text).toList());
    }
}
