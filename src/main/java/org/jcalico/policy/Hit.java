package org.jcalico.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.model.Action;

/**
 * One step of a packet's way through an endpoint's policy in one direction: a rule that matched it, a tier's end, or
 * the end of its profiles. The last step of a verdict decides; the steps before it are Log and Pass rules, tiers
 * that passed the packet on, and profiles the endpoint names but that do not exist.
 */
public sealed interface Hit {
    /** Whether this step, as the decision, lets the packet through. */
    boolean allows();

    /** How people read it. */
    String text();

    /** The same, for -o json. */
    Map<String, Object> json();

    /** Rule {@code rule} (0-based, among the policy's rules for the direction) of a policy matched. */
    record PolicyRule(String tier, String policy, int rule, Action action) implements Hit {
        @Override
        public boolean allows() {
            return action == Action.ALLOW;
        }

        @Override
        public String text() {
            return "tier " + tier + " > " + policy + " > rule " + rule + " > " + action.calicoName();
        }

        @Override
        public Map<String, Object> json() {
            return Hit.fields("policy-rule", "tier", tier, "policy", policy, "rule", rule, "action", action.calicoName());
        }
    }

    /**
     * The tier's policies applied but none decided: its defaultAction, Deny (the end-of-tier drop) or Pass (on to the
     * next tier).
     */
    record TierEnd(String tier, Action action) implements Hit {
        @Override
        public boolean allows() {
            return false;
        }

        @Override
        public String text() {
            return action == Action.DENY ? "end of tier " + tier + " > drop" : "end of tier " + tier + " > Pass (defaultAction)";
        }

        @Override
        public Map<String, Object> json() {
            return Hit.fields("end-of-tier", "tier", tier, "action", action.calicoName());
        }
    }

    /** Rule {@code rule} (0-based) of a profile matched. */
    record ProfileRule(String profile, int rule, Action action) implements Hit {
        @Override
        public boolean allows() {
            return action == Action.ALLOW;
        }

        @Override
        public String text() {
            return "profile " + profile + " > rule " + rule + " > " + action.calicoName();
        }

        @Override
        public Map<String, Object> json() {
            return Hit.fields("profile-rule", "profile", profile, "rule", rule, "action", action.calicoName());
        }
    }

    /** The endpoint names a profile that does not exist: it has no rules. */
    record MissingProfile(String profile) implements Hit {
        @Override
        public boolean allows() {
            return false;
        }

        @Override
        public String text() {
            return "profile " + profile + " does not exist (no rules)";
        }

        @Override
        public Map<String, Object> json() {
            return Hit.fields("missing-profile", "profile", profile);
        }
    }

    /** No rule of the endpoint's profiles decided: dropped. */
    record ProfilesEnd(List<String> profiles) implements Hit {
        public ProfilesEnd {
            profiles = List.copyOf(profiles);
        }

        @Override
        public boolean allows() {
            return false;
        }

        @Override
        public String text() {
            return "no rule of profiles " + String.join(",", profiles) + " decided > drop";
        }

        @Override
        public Map<String, Object> json() {
            return Hit.fields("profiles-end", "profiles", profiles);
        }
    }

    /** No policy applied and the endpoint has no profile: dropped. */
    record NoProfile() implements Hit {
        @Override
        public boolean allows() {
            return false;
        }

        @Override
        public String text() {
            return "no policy applies and the endpoint has no profile > drop";
        }

        @Override
        public Map<String, Object> json() {
            return Hit.fields("no-profile");
        }
    }

    /** The address lies outside every endpoint: nothing is checked on its side. */
    record Unchecked() implements Hit {
        @Override
        public boolean allows() {
            return true;
        }

        @Override
        public String text() {
            return "not an endpoint: not checked";
        }

        @Override
        public Map<String, Object> json() {
            return Hit.fields("not-checked");
        }
    }

    private static Map<String, Object> fields(String kind, Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("kind", kind);
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
