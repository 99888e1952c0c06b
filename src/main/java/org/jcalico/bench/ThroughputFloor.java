package org.jcalico.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.dataplane.interfaces.Sysctls;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.lab.Lab;
import org.jcalico.lab.LabLayout;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.workload.ContainerNamespace;
import org.jcalico.workload.VethAttacher;

/**
 * The bare floor of `bench throughput`: a copy of a jcalico host pair and its two workloads, on the same fabric bridge,
 * made by the same code (the lab's host builder, the workload attacher, the agent's sysctls for the host side), with
 * the routes the agent and BIRD install written by hand and no rule at all. Then every network sysctl and link
 * setting of the copy is made equal to its jcalico original, and what still differs is reported: only jcalico's
 * rules (and the connection tracking they turn on) should.
 */
final class ThroughputFloor {
    private static final Pattern LINK_SETTING = Pattern.compile(
            "\\b(mtu|qlen|gso_max_size|gso_max_segs|gro_max_size|tso_max_size|tso_max_segs|gso_ipv4_max_size|gro_ipv4_max_size|numtxqueues|numrxqueues|xdp\\S*) (\\S+)");
    /** Settings of conntrack, which exist only where a rule made the kernel track connections. */
    private static final Pattern TRACKING = Pattern.compile("net\\.(netfilter|nf_conntrack).*");

    /** One host of a pair: its namespace, its workload's namespace, address and host-side interface. */
    record Side(String host, String workload, IpAddress address, String hostInterface) {
    }

    private ThroughputFloor() {
    }

    /**
     * Builds a bare copy of the pair {@code client} -> {@code server} as hosts NAME1 and NAME2 of the lab (fabric
     * addresses .(100+2*copy+1) and .(100+2*copy+2)), with workloads NAMEw1 and NAMEw2 at 10.73.COPY.1 and
     * 10.73.COPY.65 (each in a /26 of its own, as IPAM blocks are). Returns the bare sides, client first.
     */
    static List<Side> build(Lab lab, String name, int copy, Side client, Side server) {
        LabLayout layout = lab.layout();
        Side first = new Side(layout.prefix() + name + "1", layout.workload(name + "w1"),
                IpAddress.parse("10.73." + copy + ".1"), client.hostInterface());
        Side second = new Side(layout.prefix() + name + "2", layout.workload(name + "w2"),
                IpAddress.parse("10.73." + copy + ".65"), server.hostInterface());
        int index = 101 + 2 * copy;
        plain(lab, first, name.charAt(0) + "1", fabricAddress(index), index);
        plain(lab, second, name.charAt(0) + "2", fabricAddress(index + 1), index + 1);
        route(first, second, fabricAddress(index + 1));
        route(second, first, fabricAddress(index));
        return List.of(first, second);
    }

    /**
     * The one rule that makes the kernel track the host's connections (and drops what it finds invalid, as jcalico's
     * endpoint chains do): the floor of any stateful dataplane.
     */
    static void trackConnections(Side host) {
        CommandRunner.inNamespace(host.host()).run("iptables", "-A", "FORWARD", "-m", "conntrack", "--ctstate", "INVALID",
                "-j", "DROP").check();
    }

    /**
     * Frames crossing the lab's fabric bridge skip netfilter: with the br_netfilter module loaded (as on this
     * machine) every bridge starts with bridge-nf-call-iptables on, and each frame from host to host then passes
     * br_netfilter's IPv4 hooks in the fabric's namespace (header checks, an skb extension), a cost a real fabric's
     * switch does not have. It falls on every path alike, so it only diluted what jcalico's hosts add: a fairer
     * floor, not a flattering one. The setting is the fabric namespace's own.
     */
    static void unfilteredFabric(Lab lab) {
        CommandRunner fabric = CommandRunner.inNamespace(lab.layout().fabric());
        if (fabric.run("sh", "-c", "test -e /proc/sys/net/bridge/bridge-nf-call-iptables").ok()) {
            fabric.run("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-ip6tables=0",
                    "net.bridge.bridge-nf-call-arptables=0").check();
        }
    }

    private static IpAddress fabricAddress(int index) {
        return LabLayout.FABRIC_V4.addressAt(java.math.BigInteger.valueOf(index));
    }

    private static void plain(Lab lab, Side side, String port, IpAddress v4, int index) {
        CommandRunner host = lab.plainHost(side.host(), port, v4, LabLayout.FABRIC_V6.addressAt(java.math.BigInteger.valueOf(index)));
        Map<String, String> sysctls = new LinkedHashMap<>(Sysctls.global());
        Namespaces.create(side.workload());
        new VethAttacher(host).attach(side.hostInterface(), new ContainerNamespace(Path.of("/run/netns/" + side.workload()),
                "netns:" + side.workload(), "the bare workload " + side.workload()), "eth0", List.of(Cidr.parse(side.address() + "/32")));
        sysctls.putAll(Sysctls.forInterface(new EndpointInterface(side.hostInterface(), true, false)));
        host.run(Sysctls.writeCommand(sysctls)).check();
        host.run("ip", "route", "add", side.address() + "/32", "dev", side.hostInterface()).check();
    }

    /** The route BIRD installs for the other host's block: its /26 via that host's fabric address. */
    private static void route(Side from, Side to, IpAddress via) {
        Cidr block = Cidr.containing(to.address(), 26);
        CommandRunner.inNamespace(from.host()).run("ip", "route", "add", block.toString(), "via", via.toString(), "dev", "eth0").check();
    }

    /**
     * Makes the bare host's network sysctls and its links' settings (uplink and workload side) those of the jcalico
     * host; returns the keys it wrote and what still differs, as "key: jcalico value / bare value" (tracking
     * settings left out: they exist only where rules track connections).
     */
    static Equalized equalize(Side jcalico, Side bare) {
        CommandRunner original = CommandRunner.inNamespace(jcalico.host());
        CommandRunner copy = CommandRunner.inNamespace(bare.host());
        Map<String, String> wanted = new LinkedHashMap<>();
        differences(sysctls(original), sysctls(copy)).forEach((key, values) -> {
            if (!TRACKING.matcher(key).matches()) {
                wanted.put(key, values.get(0));
            }
        });
        if (!wanted.isEmpty()) {
            // read-only keys are refused and stay in the report
            copy.run(Sysctls.writeCommand(wanted));
        }
        List<String> remaining = new ArrayList<>();
        differences(sysctls(original), sysctls(copy)).forEach((key, values) -> {
            if (!TRACKING.matcher(key).matches()) {
                remaining.add(key + ": " + values.get(0) + " / " + values.get(1));
            }
        });
        for (String link : List.of("eth0", jcalico.hostInterface())) {
            differences(linkSettings(original, link), linkSettings(copy, link))
                    .forEach((key, values) -> remaining.add(link + " " + key + ": " + values.get(0) + " / " + values.get(1)));
        }
        differences(linkSettings(CommandRunner.inNamespace(jcalico.workload()), "eth0"),
                linkSettings(CommandRunner.inNamespace(bare.workload()), "eth0"))
                .forEach((key, values) -> remaining.add("workload eth0 " + key + ": " + values.get(0) + " / " + values.get(1)));
        return new Equalized(List.copyOf(wanted.keySet()), remaining);
    }

    /** The sysctls copied from the jcalico host to the bare one, and what differs after. */
    record Equalized(List<String> copied, List<String> remaining) {
    }

    private static Map<String, String> sysctls(CommandRunner host) {
        Map<String, String> values = new TreeMap<>(Sysctls.parse(host.run("sysctl", "-a").stdout()));
        values.keySet().removeIf(key -> !key.startsWith("net."));
        return values;
    }

    private static Map<String, String> linkSettings(CommandRunner namespace, String link) {
        Map<String, String> settings = new TreeMap<>();
        Matcher matcher = LINK_SETTING.matcher(namespace.run("ip", "-d", "link", "show", "dev", link).check().stdout());
        while (matcher.find()) {
            settings.put(matcher.group(1), matcher.group(2));
        }
        return settings;
    }

    /** Keys whose values differ (or that one side lacks), with both values. */
    private static Map<String, List<String>> differences(Map<String, String> first, Map<String, String> second) {
        Map<String, List<String>> different = new TreeMap<>();
        for (String key : union(first, second)) {
            String a = first.getOrDefault(key, "(none)");
            String b = second.getOrDefault(key, "(none)");
            if (!a.equals(b)) {
                different.put(key, List.of(a, b));
            }
        }
        return different;
    }

    private static List<String> union(Map<String, String> first, Map<String, String> second) {
        java.util.Set<String> keys = new java.util.TreeSet<>(first.keySet());
        keys.addAll(second.keySet());
        return List.copyOf(keys);
    }
}
