package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The directions a policy governs: Ingress is traffic to its endpoints, Egress traffic from them. */
public enum PolicyType {
    INGRESS("Ingress", Direction.INBOUND), EGRESS("Egress", Direction.OUTBOUND);

    private final String text;
    private final Direction direction;

    PolicyType(String text, Direction direction) {
        this.text = text;
        this.direction = direction;
    }

    @JsonCreator
    public static PolicyType parse(String text) {
        for (PolicyType type : values()) {
            if (type.text.equals(text)) {
                return type;
            }
        }
        throw ValidationException.field("types", text, "is not Ingress or Egress");
    }

    public Direction direction() {
        return direction;
    }

    public static PolicyType of(Direction direction) {
        return direction == Direction.INBOUND ? INGRESS : EGRESS;
    }

    @JsonValue
    @Override
    public String toString() {
        return text;
    }
}
