package org.jcalico.felix.dataplane.routes;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Optional;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;

/** jcalico's routes as rtnetlink carries them, and back; a kernel route of a kind jcalico never writes is none. */
final class KernelRoutes {
    private KernelRoutes() {
    }

    static Rtnetlink.Route toKernel(RouteSpec route) {
        // a literal: no name is looked up
        InetAddress destination = InetAddress.ofLiteral(route.destination().network().toString());
        return new Rtnetlink.Route(destination, route.destination().prefixLength(), switch (route.type()) {
            case INTERFACE -> Rtnetlink.Type.UNICAST;
            case BLACKHOLE -> Rtnetlink.Type.BLACKHOLE;
            case UNREACHABLE -> Rtnetlink.Type.UNREACHABLE;
        }, route.interfaceName());
    }

    /** The route, unless it is of a kind jcalico never writes (prohibit, throw ...: no one else should tag routes 98). */
    static Optional<RouteSpec> fromKernel(Rtnetlink.Route route) {
        byte[] bytes = route.destination().getAddress();
        Cidr destination = new Cidr(new IpAddress(bytes.length == 4 ? 4 : 6, new BigInteger(1, bytes)), route.prefixLength());
        return switch (route.type()) {
            case UNICAST -> Optional.of(RouteSpec.toInterface(destination, route.device()));
            case BLACKHOLE -> Optional.of(new RouteSpec(destination, RouteSpec.Type.BLACKHOLE, null));
            case UNREACHABLE -> Optional.of(new RouteSpec(destination, RouteSpec.Type.UNREACHABLE, null));
            case OTHER -> Optional.empty();
        };
    }
}
