package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** Calico's GlobalNetworkPolicy: a policy for endpoints of every namespace its selectors match. */
public record GlobalNetworkPolicy(Metadata metadata, PolicySpec spec) implements Resource, Policy {
    public static final String KIND = "GlobalNetworkPolicy";

    public GlobalNetworkPolicy {
        if (metadata == null) {
            throw new ValidationException("metadata: missing");
        }
        metadata = metadata.global(KIND);
        spec = spec == null ? new PolicySpec(null, null, null, null, null, null, null) : spec;
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

    @Override
    @JsonIgnore
    public String namespace() {
        return null;
    }
}
