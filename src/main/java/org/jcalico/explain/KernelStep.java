package org.jcalico.explain;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jcalico.model.Action;
import org.jcalico.policy.Hit;

/** A kernel rule that counted the probe, told in the policy model's terms where it has an origin there. */
public sealed interface KernelStep {
    /** Whether this step, as the last, ends the packet's way (accepted or dropped). */
    boolean decides();

    boolean accepts();

    String text();

    Map<String, Object> json();

    /** A rule rendered from the policy model: its origin as the model's hit. */
    record Modelled(Hit hit) implements KernelStep {
        @Override
        public boolean decides() {
            return switch (hit) {
                case Hit.PolicyRule rule -> rule.action() == Action.ALLOW || rule.action() == Action.DENY;
                case Hit.ProfileRule rule -> rule.action() == Action.ALLOW || rule.action() == Action.DENY;
                case Hit.TierEnd end -> end.action() == Action.DENY;
                default -> true;
            };
        }

        @Override
        public boolean accepts() {
            return hit.allows();
        }

        @Override
        public String text() {
            return hit.text();
        }

        @Override
        public Map<String, Object> json() {
            return hit.json();
        }
    }

    /** The endpoint's final drop: no tier decided (or the last passed) and no profile allowed. */
    record EndpointDrop() implements KernelStep {
        @Override
        public boolean decides() {
            return true;
        }

        @Override
        public boolean accepts() {
            return false;
        }

        @Override
        public String text() {
            return "the endpoint's final drop (no policy decided, no profile allowed)";
        }

        @Override
        public Map<String, Object> json() {
            return Map.of("kind", "endpoint-drop");
        }
    }

    /** jcalico's plumbing that ends a packet's way: connection tracking's accept of a known flow, or its drop. */
    record Plumbing(String chain, String rule, String what, boolean accepts) implements KernelStep {
        @Override
        public boolean decides() {
            return true;
        }

        @Override
        public String text() {
            return what + " in " + chain + ": " + rule;
        }

        @Override
        public Map<String, Object> json() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("kind", "plumbing");
            map.put("chain", chain);
            map.put("rule", rule);
            map.put("what", what);
            map.put("accepts", accepts);
            return map;
        }
    }

    /**
     * Any other rule that ends the packet's way: an endpoint's chain that failed closed, or a rule jcalico did not
     * write or does not want there.
     *
     * @param origin what jcalico meant by it, or null for a rule that is not in the node's desired state
     */
    record Other(String chain, String rule, String origin, boolean accepts) implements KernelStep {
        @Override
        public boolean decides() {
            return true;
        }

        @Override
        public String text() {
            return (origin != null ? origin : "a rule jcalico did not write (not in the node's desired state)") + " in "
                    + chain + ": " + rule;
        }

        @Override
        public Map<String, Object> json() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("kind", origin != null ? "failed-closed" : "foreign-rule");
            map.put("chain", chain);
            map.put("rule", rule);
            map.put("origin", origin);
            map.put("accepts", accepts);
            return map;
        }
    }
}
