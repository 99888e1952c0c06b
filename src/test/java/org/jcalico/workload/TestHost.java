package org.jcalico.workload;

import java.util.List;
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

    /** The agent's share of an endpoint: answer the container's ARP for its gateway, forward, route its addresses. */
    static void program(CommandRunner host, String hostInterface, List<Cidr> addresses) {
        host.run("sysctl", "-q", "-w", "net.ipv4.conf." + hostInterface + ".proxy_arp=1",
                "net.ipv4.neigh." + hostInterface + ".proxy_delay=0",
                "net.ipv4.conf." + hostInterface + ".forwarding=1").check();
        StringBuilder routes = new StringBuilder();
        addresses.forEach(address -> routes.append("route add ").append(address).append(" dev ").append(hostInterface).append('\n'));
        host.run(List.of("ip", "-batch", "-"), routes.toString()).check();
    }

    static boolean ping(CommandRunner from, String address) {
        return from.run("busybox", "ping", "-c", "1", "-W", "2", address).ok();
    }

    static boolean hasLink(CommandRunner runner, String device) {
        return runner.run("ip", "link", "show", "dev", device).ok();
    }
}
