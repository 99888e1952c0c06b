package org.jcalico.checksystem;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.felix.calc.DataplaneNames;

/**
 * Whether a host can run jcalico, decided from {@link SystemFacts} alone (no I/O): kernel features, tools, forwarding,
 * rules or firewalls that would drop forwarded traffic, and the BGP port. FAIL is what keeps the agent (or its BGP)
 * from working; WARN is what costs a feature or may bite later.
 */
public final class SystemChecks {
    /** Each kernel feature SystemProbe tries, with the module that brings it and what jcalico needs it for. */
    public record Feature(String name, String module, boolean required, String neededFor) {
    }

    private static final String SECURITY_TABLE = "the iptables driver's check, after every filter chain, that a"
            + " workload's packet met its policy: without it the kernel refuses the driver's rules at every pass (or run"
            + " the nftables driver, FelixConfiguration dataplaneDriver: nftables)";
    public static final List<Feature> FEATURES = List.of(
            new Feature("ipset hash:ip", "ip_set_hash_ip", true, "the members of selectors and tags"),
            new Feature("ipset hash:net", "ip_set_hash_net", true, "network sets and pools"),
            new Feature("conntrack", "xt_conntrack", true, "policy: replies to allowed connections"),
            new Feature("NFLOG", "xt_NFLOG", true, "the denied-flow log (or set FelixConfiguration deniedFlowLogsEnabled: false)"),
            // iptables-legacy needs the module; iptables-nft makes the table in nf_tables and needs none
            new Feature("iptables security table", "iptable_security", true, SECURITY_TABLE),
            new Feature("ip6tables security table", "ip6table_security", true, SECURITY_TABLE),
            new Feature("VXLAN", "vxlan", false, "an overlay; jcalico's routed networking does not need it"));
    /** Tools the agent runs, whatever the node's mode. */
    public static final List<String> REQUIRED_TOOLS = List.of("ip", "iptables", "ip6tables", "iptables-restore",
            "ip6tables-restore", "ipset");
    public static final List<String> BGP_TOOLS = List.of("bird", "birdc");
    public static final String IPV4_FORWARDING = "net.ipv4.ip_forward";
    public static final String IPV6_FORWARDING = "net.ipv6.conf.all.forwarding";
    private static final String PACKAGES = "apt-get install iproute2 iptables ipset bird2 conntrack";

    private SystemChecks() {
    }

    public static List<SystemCheck> evaluate(SystemFacts facts) {
        List<SystemCheck> checks = new ArrayList<>();
        checks.add(facts.root() ? SystemCheck.ok("root", "running as root")
                : SystemCheck.fail("root", "not running as root: the agent and these checks need it", "run as root"));
        for (Feature feature : FEATURES) {
            checks.add(kernel(feature, facts.kernel().get(feature.name())));
        }
        for (String tool : REQUIRED_TOOLS) {
            checks.add(tool(tool, facts.tools().get(tool), true));
        }
        for (String tool : BGP_TOOLS) {
            checks.add(facts.bgp() ? tool(tool, facts.tools().get(tool), true)
                    : SystemCheck.ok("tool " + tool, "not needed: the node runs without BGP"));
        }
        checks.add(birdVersion(facts));
        checks.add(tool("conntrack", facts.tools().get("conntrack"), false));
        checks.add(forwarding(IPV4_FORWARDING, facts.forwarding().get(IPV4_FORWARDING), true));
        checks.add(forwarding(IPV6_FORWARDING, facts.forwarding().get(IPV6_FORWARDING), false));
        facts.forwardChains().forEach((command, rules) -> checks.add(forwardChain(command, rules)));
        facts.firewalls().forEach(firewall -> checks.add(SystemCheck.warn("firewall " + firewall, firewall
                        + " is active: it may rewrite FORWARD or drop forwarded packets in tables of its own",
                "let it forward traffic of the jcalico interfaces and accept TCP 179 from the other nodes, or stop it")));
        checks.add(bgpPort(facts));
        return checks;
    }

    private static SystemCheck kernel(Feature feature, String refusal) {
        String name = "kernel " + feature.name();
        if (refusal == null) {
            return SystemCheck.warn(name, "not checked (needs root)", "run as root");
        }
        if (refusal.isEmpty()) {
            return SystemCheck.ok(name, "the kernel accepts it");
        }
        String detail = "the kernel refuses it (" + refusal + "); needed for " + feature.neededFor();
        String fix = "modprobe " + feature.module() + " (or a kernel built with it)";
        return feature.required() ? SystemCheck.fail(name, detail, fix) : SystemCheck.warn(name, detail, fix);
    }

    private static SystemCheck tool(String tool, String version, boolean required) {
        String name = "tool " + tool;
        if (version != null) {
            return SystemCheck.ok(name, version);
        }
        return required ? SystemCheck.fail(name, "not installed", PACKAGES)
                : SystemCheck.warn(name, "not installed; `node diags` and the lab use it", PACKAGES);
    }

    /** jcalico renders BIRD 2's configuration language; BIRD 1.x reads another. */
    private static SystemCheck birdVersion(SystemFacts facts) {
        String version = facts.tools().get("bird");
        if (!facts.bgp() || version == null) {
            return SystemCheck.ok("bird version", facts.bgp() ? "see tool bird" : "not needed: the node runs without BGP");
        }
        return version.matches("(?s).*\\b2\\.\\d+.*") ? SystemCheck.ok("bird version", "BIRD 2")
                : SystemCheck.fail("bird version", version + ": jcalico needs BIRD 2", "apt-get install bird2");
    }

    private static SystemCheck forwarding(String sysctl, String value, boolean required) {
        if (value == null) {
            return required ? SystemCheck.fail(sysctl, "cannot be read", "a kernel with IPv4 forwarding")
                    : SystemCheck.warn(sysctl, "absent: IPv6 is disabled, IPv6 pools cannot work", "boot without ipv6.disable=1");
        }
        if (value.equals("1")) {
            return SystemCheck.ok(sysctl, "on");
        }
        String detail = "off: this host does not route; the agent turns it on when it starts, but what turned it off"
                + " (a sysctl.d file, a firewall) may turn it off again" + (required ? "" : "; only IPv6 pools need it");
        String fix = "sysctl -w " + sysctl + "=1, and keep it in /etc/sysctl.d/";
        return required ? SystemCheck.fail(sysctl, detail, fix) : SystemCheck.warn(sysctl, detail, fix);
    }

    /**
     * The agent hooks jc-FORWARD at the top of FORWARD, and jc-FORWARD accepts what policy allows to and from
     * endpoints, so a DROP policy is fine once it is there; a rule that drops everything ahead of it is not.
     */
    static SystemCheck forwardChain(String command, String rules) {
        String name = command + " FORWARD";
        if (rules == null) {
            return SystemCheck.fail(name, "cannot be read", "check that " + command + " works: " + command + " -S FORWARD");
        }
        boolean dropPolicy = false;
        int hook = -1;
        int dropAll = -1;
        List<String> appended = rules.lines().filter(line -> line.startsWith("-A FORWARD ")).toList();
        for (String line : rules.lines().toList()) {
            if (line.matches("-P FORWARD (DROP|REJECT).*")) {
                dropPolicy = true;
            }
        }
        for (int i = 0; i < appended.size(); i++) {
            String rule = appended.get(i).replaceAll(" -m comment --comment (\"[^\"]*\"|\\S+)", "");
            if (hook < 0 && rule.matches("-A FORWARD -j " + DataplaneNames.FORWARD)) {
                hook = i;
            }
            if (dropAll < 0 && rule.matches("-A FORWARD -j (DROP|REJECT)( .*)?")) {
                dropAll = i;
            }
        }
        if (dropAll >= 0 && hook > dropAll) {
            return SystemCheck.fail(name, "rule " + (dropAll + 1) + " (" + appended.get(dropAll) + ") drops all forwarded"
                    + " traffic ahead of jcalico's " + DataplaneNames.FORWARD, "remove it, or have the tool that adds it"
                    + " stop putting it first (the agent puts its hook back on top at every resync)");
        }
        if (hook >= 0) {
            return SystemCheck.ok(name, "jcalico's " + DataplaneNames.FORWARD + " comes first and accepts endpoint traffic"
                    + (dropPolicy ? " (policy DROP for the rest)" : ""));
        }
        if (dropPolicy || dropAll >= 0) {
            return SystemCheck.warn(name, (dropPolicy ? "policy DROP" : "rule " + (dropAll + 1) + " drops all") + " and no "
                    + DataplaneNames.FORWARD + " yet: forwarded traffic is dropped until the agent hooks it at the top",
                    "start the agent (jcalico node start)");
        }
        return SystemCheck.ok(name, "forwarded traffic is accepted");
    }

    private static SystemCheck bgpPort(SystemFacts facts) {
        if (!facts.bgp()) {
            return SystemCheck.ok("BGP port 179", "not needed: the node runs without BGP");
        }
        List<SystemFacts.Listener> others = facts.bgpPortHolders().stream()
                .filter(listener -> facts.ownBird() == null || listener.pid() != facts.ownBird()).toList();
        if (!others.isEmpty()) {
            return SystemCheck.fail("BGP port 179", "held by " + String.join(", ", others.stream()
                            .map(listener -> listener.process() + " (pid " + listener.pid() + ")").toList())
                            + ": this node's BIRD cannot take it",
                    "stop that BGP speaker, or start this node with --no-bgp and let it route");
        }
        return SystemCheck.ok("BGP port 179", facts.bgpPortHolders().isEmpty() ? "free"
                : "held by this node's BIRD (pid " + facts.ownBird() + ")");
    }

    /** Whether anything found keeps jcalico from working here. */
    public static boolean blocked(List<SystemCheck> checks) {
        return checks.stream().anyMatch(check -> check.result() == SystemCheck.Result.FAIL);
    }
}
