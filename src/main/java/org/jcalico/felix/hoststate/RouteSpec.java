package org.jcalico.felix.hoststate;

import java.util.Objects;
import org.jcalico.model.Cidr;

/**
 * A route jcalico owns (tagged with {@link HostState#ROUTE_PROTOCOL}): to an endpoint's interface, or a blackhole or
 * unreachable route covering a local block.
 */
public record RouteSpec(Cidr destination, Type type, String interfaceName) {
    public enum Type {
        INTERFACE, BLACKHOLE, UNREACHABLE
    }

    public RouteSpec {
        if ((type == Type.INTERFACE) != (interfaceName != null)) {
            throw new IllegalArgumentException("an interface route needs an interface, other routes none");
        }
    }

    public static RouteSpec toInterface(Cidr destination, String interfaceName) {
        return new RouteSpec(destination, Type.INTERFACE, interfaceName);
    }

    // The generated equals and hashCode (its value too), written out: a cold agent's first pass hashes and compares
    // every route (LocalLinks, the route driver's maps), and a record's generated ones are bootstrapped at their first
    // call and then run as method-handle chains, interpreted until compiled (docs/dataplane.md, "Session 61 (p-cold)").
    @Override
    public boolean equals(Object other) {
        return other instanceof RouteSpec that && Objects.equals(destination, that.destination) && type == that.type
                && Objects.equals(interfaceName, that.interfaceName);
    }

    @Override
    public int hashCode() {
        return (31 * Objects.hashCode(destination) + Objects.hashCode(type)) * 31 + Objects.hashCode(interfaceName);
    }
}
