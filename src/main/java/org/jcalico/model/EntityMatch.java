package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** One side (source or destination) of a rule: any of a tag, a network and ports; null fields match anything. */
public record EntityMatch(String tag, Cidr net, Ports ports) {
    public static final EntityMatch ANY = new EntityMatch(null, null, null);

    public EntityMatch {
        if (tag != null) {
            Names.check("tag", tag);
        }
    }

    /** Leaves a rule side that matches anything out of the JSON/YAML form. */
    public static final class OmitAny {
        @Override
        public boolean equals(Object other) {
            return other == null || (other instanceof EntityMatch match && match.isAny());
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    @JsonIgnore
    public boolean isAny() {
        return tag == null && net == null && ports == null;
    }
}
