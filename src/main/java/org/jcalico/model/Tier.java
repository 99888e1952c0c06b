package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * An ordered group of policies (Calico's Tier). Tiers are evaluated in {@code order}, lowest first (absent = after
 * every ordered tier; ties by name). The tier "default" always exists, with order 1,000,000, and holds policies that
 * name no tier and every Kubernetes NetworkPolicy.
 */
public record Tier(Metadata metadata, Spec spec) implements Resource {
    public static final String KIND = "Tier";
    public static final String DEFAULT = "default";
    public static final double DEFAULT_ORDER = 1_000_000;
    public static final Tier DEFAULT_TIER = new Tier(Metadata.named(DEFAULT), new Spec(DEFAULT_ORDER, Action.DENY));

    /** What happens to a packet that policies of this tier applied to but none decided: Deny (drop) or Pass. */
    public record Spec(Double order, Action defaultAction) {
        public Spec {
            if (order != null && (order.isNaN() || order.isInfinite())) {
                throw ValidationException.field("order", order, "is not a finite number");
            }
            defaultAction = defaultAction == null ? Action.DENY : defaultAction;
            if (defaultAction != Action.DENY && defaultAction != Action.PASS) {
                throw ValidationException.field("defaultAction", defaultAction.calicoName(), "is not Deny or Pass");
            }
        }
    }

    public Tier {
        if (metadata == null) {
            throw new ValidationException("metadata: missing");
        }
        metadata = metadata.global(KIND);
        spec = spec == null ? new Spec(null, null) : spec;
        if (metadata.name().equals(DEFAULT) && !Double.valueOf(DEFAULT_ORDER).equals(spec.order())) {
            throw ValidationException.field("spec.order", spec.order(), "of the default tier is always " + (long) DEFAULT_ORDER);
        }
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return metadata.name();
    }
}
