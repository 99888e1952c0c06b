package org.jcalico.checksystem;

import java.util.List;
import java.util.Map;

/**
 * What `node checksystem` decides from, gathered read-only by {@link SystemProbe}.
 *
 * @param root whether the check runs as root (the agent must)
 * @param kernel each kernel feature to the kernel's refusal when tried in a throwaway namespace, or "" when accepted
 * @param tools each tool to its version line, or null when it is not installed
 * @param forwarding each sysctl (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding) to its value, or null when absent
 * @param forwardChains each iptables command (iptables, ip6tables) to `-S FORWARD`'s output, or null when unreadable
 * @param bgpPortHolders the processes listening on TCP port 179
 * @param ownBird this node's BIRD's pid, or null when it does not run
 * @param bgp whether this node is to run BIRD (false: --no-bgp)
 * @param firewalls firewall managers found running or enabled (firewalld, ufw)
 */
public record SystemFacts(boolean root, Map<String, String> kernel, Map<String, String> tools, Map<String, String> forwarding,
                          Map<String, String> forwardChains, List<Listener> bgpPortHolders, Long ownBird, boolean bgp,
                          List<String> firewalls) {
    /** A process listening on a port, as `ss -p` names it. */
    public record Listener(String process, long pid) {
    }
}
