package org.jcalico.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.Cidr;
import org.jcalico.model.ValidationException;

/**
 * Joins a container to its host with a veth pair, as the prototype's network_container.sh did, but all or nothing.
 * The host side gets the fixed MAC ee:ee:ee:ee:ee:ee, so that its link-local address fe80::ecee:eeff:feee:eeee is
 * every container's IPv6 gateway; for IPv4 the gateway is 169.254.1.1, which the host answers with proxy ARP.
 */
public final class VethAttacher {
    public static final String HOST_MAC = "ee:ee:ee:ee:ee:ee";
    public static final String IPV4_GATEWAY = "169.254.1.1";
    public static final String IPV6_GATEWAY = "fe80::ecee:eeff:feee:eeee";
    private static final Pattern MAC = Pattern.compile("link/ether ([0-9a-f:]{17})");
    private final CommandRunner host;

    public VethAttacher(CommandRunner host) {
        this.host = host;
    }

    /** Creates and configures the pair; returns the container side's MAC. On failure nothing is left behind. */
    public String attach(String hostInterface, ContainerNamespace container, String containerInterface, List<Cidr> nets) {
        CommandRunner inside = CommandRunner.atPath(container.path());
        if (!inside.run("true").ok()) {
            throw new ValidationException("cannot enter " + container.description() + " (" + container.path() + ")");
        }
        if (inside.run("ip", "link", "show", containerInterface).ok()) {
            throw new ValidationException(container.description() + " already has an interface " + containerInterface);
        }
        if (host.run("ip", "link", "show", hostInterface).ok()) {
            throw new ValidationException("host interface " + hostInterface + " already exists (is this container attached already?)");
        }
        String temporary = "tmp" + hostInterface.substring(Math.max(0, hostInterface.length() - 12));
        host.run("ip", "link", "add", "name", hostInterface, "address", HOST_MAC, "type", "veth", "peer", "name", temporary).check();
        try {
            host.run("ip", "link", "set", temporary, "netns", container.path()).check();
            if (nets.stream().anyMatch(net -> net.version() == 6)) {
                // docker, among others, creates network namespaces with IPv6 switched off
                inside.run("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0",
                        "net.ipv6.conf.default.disable_ipv6=0", "net/ipv6/conf/" + temporary + "/disable_ipv6=0").check();
            }
            List<String> lines = new ArrayList<>(List.of(
                    "link set lo up",
                    "link set " + temporary + " name " + containerInterface,
                    "link set " + containerInterface + " up"));
            boolean v4 = false;
            boolean v6 = false;
            for (Cidr net : nets) {
                lines.add("addr add " + net + " dev " + containerInterface + (net.version() == 6 ? " nodad" : ""));
                v4 |= net.version() == 4;
                v6 |= net.version() == 6;
            }
            run(inside, List.of(), lines);
            List<String> routes = new ArrayList<>();
            if (v4) {
                routes.add("route add " + IPV4_GATEWAY + " dev " + containerInterface + " scope link");
                routes.add("route add default via " + IPV4_GATEWAY + " dev " + containerInterface);
            }
            run(inside, List.of("-4"), routes);
            if (v6) {
                run(inside, List.of("-6"), List.of("route add default via " + IPV6_GATEWAY + " dev " + containerInterface));
            }
            // without duplicate-address detection the gateway's link-local address answers at once, not after ~1 s
            host.run("sysctl", "-q", "-w", "net/ipv6/conf/" + hostInterface + "/accept_dad=0").check();
            host.run("ip", "link", "set", hostInterface, "up").check();
            Matcher mac = MAC.matcher(inside.run("ip", "link", "show", containerInterface).check().stdout());
            if (!mac.find()) {
                throw new KernelException("cannot read the MAC of " + containerInterface + " in " + container.description());
            }
            return mac.group(1);
        } catch (RuntimeException e) {
            detach(hostInterface);
            throw e;
        }
    }

    /** Removes the pair (deleting one end deletes the other); nothing to do if it is gone already. */
    public void detach(String hostInterface) {
        if (host.run("ip", "link", "show", hostInterface).ok()) {
            host.run("ip", "link", "del", hostInterface).check();
        }
    }

    /** One `ip [-4|-6] -batch -` for the lines (a batch line cannot choose its own family). */
    private static void run(CommandRunner runner, List<String> family, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(family);
        command.addAll(List.of("-batch", "-"));
        runner.run(command, String.join("\n", lines) + "\n").check();
    }
}
