package org.jcalico.model;

import java.util.Locale;

/** Inbound rules govern traffic to an endpoint, outbound rules traffic from it. */
public enum Direction {
    INBOUND, OUTBOUND;

    public static Direction parse(String text) {
        for (Direction direction : values()) {
            if (direction.toString().equals(text)) {
                return direction;
            }
        }
        throw ValidationException.field("direction", text, "is not inbound or outbound");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
