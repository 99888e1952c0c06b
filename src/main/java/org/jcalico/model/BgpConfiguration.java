package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** Cluster-wide BGP settings; there is one, named "default". */
public record BgpConfiguration(String name, Long defaultAs, Boolean nodeToNodeMesh) implements Resource {
    public static final String KIND = "BGPConfiguration";
    public static final String DEFAULT_NAME = "default";
    public static final long DEFAULT_AS = 64512;
    public static final BgpConfiguration DEFAULTS = new BgpConfiguration(DEFAULT_NAME, DEFAULT_AS, true);

    public BgpConfiguration {
        name = name == null ? DEFAULT_NAME : name;
        if (!name.equals(DEFAULT_NAME)) {
            throw ValidationException.field("name", name, "is not 'default' (there is one BGP configuration)");
        }
        defaultAs = AsNumbers.check("defaultAs", defaultAs == null ? DEFAULT_AS : defaultAs);
        nodeToNodeMesh = nodeToNodeMesh == null ? Boolean.TRUE : nodeToNodeMesh;
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }
}
