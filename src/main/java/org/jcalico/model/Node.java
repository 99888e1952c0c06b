package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** A host that runs the agent. asNumber overrides BgpConfiguration's default AS when set. */
public record Node(String name, IpAddress ipv4, IpAddress ipv6, Long asNumber) implements Resource {
    public static final String KIND = "Node";

    public Node {
        Names.check("name", name);
        if (ipv4 != null && ipv4.version() != 4) {
            throw ValidationException.field("ipv4", ipv4, "is not an IPv4 address");
        }
        if (ipv6 != null && ipv6.version() != 6) {
            throw ValidationException.field("ipv6", ipv6, "is not an IPv6 address");
        }
        if (ipv4 != null) {
            ReservedNetworks.checkUsable("ipv4", ipv4);
        }
        if (ipv6 != null) {
            ReservedNetworks.checkUsable("ipv6", ipv6);
        }
        if (asNumber != null) {
            AsNumbers.check("asNumber", asNumber);
        }
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }
}
