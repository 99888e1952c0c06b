package org.jcalico.felix.dataplane.routes;

import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.RouteSpec;

/** The ip(8) batch lines that add or delete one jcalico route; ip infers the family from the destination. */
public final class RouteCommands {
    private RouteCommands() {
    }

    public static String add(RouteSpec route) {
        return "route add " + spec(route);
    }

    public static String delete(RouteSpec route) {
        return "route del " + spec(route);
    }

    private static String spec(RouteSpec route) {
        String proto = " proto " + HostState.ROUTE_PROTOCOL;
        return switch (route.type()) {
            // IPv6 routes have no scope; for IPv4, "scope link" says the destination is on the wire
            case INTERFACE -> route.destination() + " dev " + route.interfaceName() + proto
                    + (route.destination().version() == 4 ? " scope link" : "");
            case BLACKHOLE -> "blackhole " + route.destination() + proto;
            case UNREACHABLE -> "unreachable " + route.destination() + proto;
        };
    }
}
