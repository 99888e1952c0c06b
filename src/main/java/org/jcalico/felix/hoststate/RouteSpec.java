package org.jcalico.felix.hoststate;

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
}
