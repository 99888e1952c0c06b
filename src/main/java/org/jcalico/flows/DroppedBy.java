package org.jcalico.flows;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What dropped a packet, as the denied-flow log writes it (docs/observability.md, "Denied flows"): a policy's Deny
 * rule ({@code kind} policy with its rule), a tier's end (policy without a rule: the tier's last policy that applied
 * to the endpoint), a profile's Deny rule, or the endpoint's default drop (no tier decided and no profile allowed).
 *
 * @param policy a policy's name, NS/NAME for a namespaced one
 */
public record DroppedBy(String kind, String tier, String policy, Integer rule, String profile) {
    public static final String POLICY = "policy";
    public static final String PROFILE = "profile";
    public static final String DEFAULT = "default";

    public static DroppedBy policyRule(String tier, String policy, int rule) {
        return new DroppedBy(POLICY, tier, policy, rule, null);
    }

    public static DroppedBy endOfTier(String tier, String lastPolicy) {
        return new DroppedBy(POLICY, tier, lastPolicy, null, null);
    }

    public static DroppedBy profileRule(String profile, int rule) {
        return new DroppedBy(PROFILE, null, null, rule, profile);
    }

    public static DroppedBy defaultDrop() {
        return new DroppedBy(DEFAULT, null, null, null, null);
    }

    /** For people: "tier T > POLICY > rule N", "end of tier T (after POLICY)", "profile P > rule N", "default drop". */
    public String text() {
        return switch (kind) {
            case POLICY -> rule != null ? "tier " + tier + " > " + policy + " > rule " + rule
                    : "end of tier " + tier + (policy == null ? "" : " (after " + policy + ")");
            case PROFILE -> "profile " + profile + " > rule " + rule;
            default -> "default drop (no policy or profile allowed it)";
        };
    }

    Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", kind);
        putIfSet(json, "tier", tier);
        putIfSet(json, "policy", policy);
        putIfSet(json, "rule", rule);
        putIfSet(json, "profile", profile);
        return json;
    }

    static void putIfSet(Map<String, Object> json, String key, Object value) {
        if (value != null) {
            json.put(key, value);
        }
    }
}
