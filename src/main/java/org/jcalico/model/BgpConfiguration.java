package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Cluster-wide BGP settings; there is one, named "default". importLimit: the most routes a session may bring in, for
 * the mesh's sessions and the peers that set none of their own, null for {@link ImportLimits#DEFAULT}.
 */
public record BgpConfiguration(String name, Long defaultAs, Boolean nodeToNodeMesh, Long importLimit) implements Resource {
    public static final String KIND = "BGPConfiguration";
    public static final String DEFAULT_NAME = "default";
    public static final long DEFAULT_AS = 64512;
    public static final BgpConfiguration DEFAULTS = new BgpConfiguration(DEFAULT_NAME, DEFAULT_AS, true);

    public BgpConfiguration(String name, Long defaultAs, Boolean nodeToNodeMesh) {
        this(name, defaultAs, nodeToNodeMesh, null);
    }

    public BgpConfiguration {
        name = name == null ? DEFAULT_NAME : name;
        if (!name.equals(DEFAULT_NAME)) {
            throw ValidationException.field("name", name, "is not 'default' (there is one BGP configuration)");
        }
        defaultAs = AsNumbers.check("defaultAs", defaultAs == null ? DEFAULT_AS : defaultAs);
        nodeToNodeMesh = nodeToNodeMesh == null ? Boolean.TRUE : nodeToNodeMesh;
        // left null when not given, so that a stored configuration follows the default if a later version changes it
        importLimit = importLimit == null ? null : ImportLimits.check("importLimit", importLimit);
    }

    /** The import limit of a session that has none of its own. */
    @JsonIgnore
    public long sessionImportLimit() {
        return importLimit != null ? importLimit : ImportLimits.DEFAULT;
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }
}
