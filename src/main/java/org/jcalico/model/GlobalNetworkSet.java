package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Calico's GlobalNetworkSet: networks outside the cluster, with labels that selectors match exactly as they match
 * endpoints' labels (a namespaced policy reaches them through a rule's {@code namespaceSelector: global()}).
 */
public record GlobalNetworkSet(Metadata metadata, NetworkSetSpec spec) implements Resource, LabelledNets {
    public static final String KIND = "GlobalNetworkSet";

    public GlobalNetworkSet {
        if (metadata == null) {
            throw new ValidationException("metadata: missing");
        }
        metadata = metadata.global(KIND);
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
        return metadata.name();
    }
}
