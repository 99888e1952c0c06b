package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Calico's (namespaced) NetworkSet: networks outside the cluster, with labels that selectors of its own namespace
 * match exactly as they match endpoints' labels. Its name, for commands, is NAMESPACE/NAME.
 */
public record NetworkSet(Metadata metadata, NetworkSetSpec spec) implements Resource, LabelledNets {
    public static final String KIND = "NetworkSet";

    public NetworkSet {
        if (metadata == null) {
            throw new ValidationException("metadata: missing");
        }
        metadata = metadata.namespaced();
        LabelRules.checkOwn("metadata.labels", metadata.labels());
        spec = spec == null ? new NetworkSetSpec(null) : spec;
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
}
