package org.jcalico.workload;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.interfaces.InterfaceDriver;
import org.jcalico.felix.dataplane.routes.RouteDriver;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.Cidr;

/**
 * A namespace standing for a host in attach tests: addresses of its own on lo, a default route (proxy ARP answers
 * only for destinations routed through another interface), and, per endpoint, what the agent would program.
 */
final class TestHost {
    static final String IPV4 = "10.65.255.1";
    static final String IPV6 = "fd00:65:ff::1";

    private TestHost() {
    }

    static CommandRunner create(String name) {
        CommandRunner host = Namespaces.create(name);
        host.run(List.of("ip", "-batch", "-"), "address add " + IPV4 + "/32 dev lo\n"
                + "address add " + IPV6 + "/128 dev lo\n"
                + "route add 0.0.0.0/0 dev lo\n").check();
        return host;
    }

    /**
     * The agent's share of an endpoint, by the agent's own drivers: the host side's settings (proxy ARP for the
     * container's gateway, forwarding, no duplicate address detection), then the link up, then routes to its addresses.
     */
    static void program(CommandRunner host, String hostInterface, List<Cidr> addresses) {
        Changes changes = new InterfaceDriver(host).apply(Set.of(new EndpointInterface(hostInterface,
                addresses.stream().anyMatch(a -> a.version() == 4), addresses.stream().anyMatch(a -> a.version() == 6))));
        changes = changes.plus(new RouteDriver(host).apply(addresses.stream()
                .map(address -> RouteSpec.toInterface(address, hostInterface)).collect(Collectors.toSet())));
        if (!changes.failures().isEmpty()) {
            throw new IllegalStateException("programming the host side failed: " + changes.failures());
        }
    }

    static boolean ping(CommandRunner from, String address) {
        return from.run("busybox", "ping", "-c", "1", "-W", "2", address).ok();
    }

    static boolean hasLink(CommandRunner runner, String device) {
        return runner.run("ip", "link", "show", "dev", device).ok();
    }
}
