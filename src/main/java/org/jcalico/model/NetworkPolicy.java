package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Calico's (namespaced) NetworkPolicy: it applies only to endpoints of its own namespace, and its rules' selectors
 * match in its own namespace unless a rule gives a namespaceSelector. Its name, for commands, is NAMESPACE/NAME.
 */
public record NetworkPolicy(Metadata metadata, PolicySpec spec) implements Resource, Policy {
    public static final String KIND = "NetworkPolicy";

    public NetworkPolicy {
        if (metadata == null) {
            throw new ValidationException("metadata: missing");
        }
        metadata = metadata.namespaced();
        spec = spec == null ? new PolicySpec(null, null, null, null, null, null, null) : spec;
        if (spec.namespaceSelector() != null) {
            throw ValidationException.field("spec.namespaceSelector", spec.namespaceSelector(),
                    "is not allowed in a NetworkPolicy, which applies to its own namespace (use a GlobalNetworkPolicy)");
        }
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return metadata.namespace() + "/" + metadata.name();
    }

    @Override
    @JsonIgnore
    public String namespace() {
        return metadata.namespace();
    }
}
