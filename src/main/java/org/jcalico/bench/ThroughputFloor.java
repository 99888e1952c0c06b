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
     * Builds the bare copy of the pair {@code client} -> {@code server} as hosts bare1 and bare2 of the lab (fabric
     * addresses .101 and .102), with workloads at {@code bareClient} and {@code bareServer} (each in a /26 of its own,
     * as IPAM blocks are). Returns the bare sides, client first.
     */
    static List<Side> build(Lab lab, Side client, Side server, IpAddress bareClient, IpAddress bareServer) {
        LabLayout layout = lab.layout();
        Side bare1 = new Side(layout.prefix() + "bare1", layout.workload("barew1"), bareClient, client.hostInterface());
        Side bare2 = new Side(layout.prefix() + "bare2", layout.workload("barew2"), bareServer, server.hostInterface());
        IpAddress host1 = fabricAddress(101);
        IpAddress host2 = fabricAddress(102);
        plain(lab, bare1, "b1", host1, 101);
        plain(lab, bare2, "b2", host2, 102);
        route(bare1, bare2, host2);
        route(bare2, bare1, host1);
        return List.of(bare1, bare2);
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
     * host, and returns what still differs, as "key: jcalico value / bare value" (tracking settings left out: they
     * exist only where rules track connections).
     */
    static List<String> equalize(Side jcalico, Side bare) {
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
        return remaining;
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
