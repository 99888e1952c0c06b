package org.jcalico.felix.dataplane;

import java.util.Map;
import java.util.TreeMap;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;

/**
 * A host's namespace and workloads behind it, for kernel tests of the dataplane: workload N is a namespace of its own
 * with 10.65.0.N/32 on eth0, whose peer is the host's jcwN (the dataplane brings it up and routes to it). Every
 * namespace starts with the test's prefix; those a test left behind go first, and all of them go on close.
 */
public final class WorkloadHost implements AutoCloseable {
    private final String prefix;
    private final CommandRunner host;
    private final Map<Integer, CommandRunner> workloads = new TreeMap<>();

    public WorkloadHost(String prefix) {
        this.prefix = prefix;
        Namespaces.deleteAll(prefix);
        this.host = Namespaces.create(prefix + "host");
    }

    public CommandRunner host() {
        return host;
    }

    /**
     * The host's loopback up with ADDRESS (/32, or /128 for an IPv6 one) on it: an address of the host's own, for its
     * traffic to its workloads.
     */
    public void hostAddress(String address) {
        host.run("ip", "link", "set", "lo", "up").check();
        boolean six = address.contains(":");
        host.run("ip", six ? "-6" : "-4", "addr", "add", address + (six ? "/128" : "/32"), "dev", "lo").check();
    }

    public CommandRunner workload(int number) {
        String name = prefix + "w" + number;
        CommandRunner container = Namespaces.create(name);
        host.run("ip", "link", "add", "jcw" + number, "address", "ee:ee:ee:ee:ee:ee", "type", "veth", "peer", "name",
                "eth0", "netns", name).check();
        container.run("ip", "link", "set", "eth0", "up").check();
        container.run("ip", "addr", "add", "10.65.0." + number + "/32", "dev", "eth0").check();
        container.run("ip", "route", "add", "default", "dev", "eth0").check();
        workloads.put(number, container);
        return container;
    }

    /**
     * Workload NUMBER with fd65::N/128 beside its IPv4 address, routed by default to its host's link-local address
     * (every host-side veth has the MAC ee:ee:ee:ee:ee:ee).
     */
    public CommandRunner dualStackWorkload(int number) {
        CommandRunner container = workload(number);
        container.run("ip", "-6", "addr", "add", "fd65::" + number + "/128", "dev", "eth0", "nodad").check();
        container.run("ip", "-6", "route", "add", "default", "via", HOST_LINK_LOCAL, "dev", "eth0").check();
        return container;
    }

    /** The host side's link-local address. */
    public static final String HOST_LINK_LOCAL = "fe80::ecee:eeff:feee:eeee";

    /**
     * A namespace on the host's uplink up0 (host 192.168.9.1 and fd00:9::1, the uplink .2 and ::2), routing the
     * workloads' nets to the host, with FORGED (addresses it sends from) on its loopback; the host's IPv4 reverse-path
     * filter set to RP_FILTER (IPv6 has none).
     */
    public CommandRunner uplink(int rpFilter, String... forged) {
        CommandRunner uplink = Namespaces.create(prefix + "up");
        host.run("ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", prefix + "up").check();
        host.run("ip", "addr", "add", "192.168.9.1/24", "dev", "up0").check();
        host.run("ip", "-6", "addr", "add", "fd00:9::1/64", "dev", "up0", "nodad").check();
        host.run("ip", "link", "set", "up0", "up").check();
        host.run("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=" + rpFilter, "net.ipv4.conf.default.rp_filter=" + rpFilter,
                "net.ipv4.conf.up0.rp_filter=" + rpFilter).check();
        uplink.run("ip", "addr", "add", "192.168.9.2/24", "dev", "eth0").check();
        uplink.run("ip", "-6", "addr", "add", "fd00:9::2/64", "dev", "eth0", "nodad").check();
        uplink.run("ip", "link", "set", "eth0", "up").check();
        uplink.run("ip", "link", "set", "lo", "up").check();
        uplink.run("ip", "route", "add", "10.65.0.0/16", "via", "192.168.9.1").check();
        uplink.run("ip", "-6", "route", "add", "fd65::/64", "via", "fd00:9::1").check();
        for (String address : forged) {
            uplink.run("ip", address.contains(":") ? "-6" : "-4", "addr", "add", address + (address.contains(":") ? "/128" : "/32"),
                    "dev", "lo").check();
        }
        return uplink;
    }

    /**
     * Waits (up to 10 s) until both ends of every workload's veth pass packets, once the dataplane has brought the
     * host's ends up: the kernel's link watch gives a link its qdisc after its carrier came on, and until then drops
     * every packet sent on it. It runs under the rtnl lock, which a test in the other fork making or deleting links by
     * the hundred (InterfaceDriverKernelTest) holds for seconds, so a first packet sent at once can be lost to the
     * set-up rather than to the rules under test. Asking for one link by name runs the link watch for it (Linux 6.8).
     */
    public void awaitLinksPassPackets() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (Map.Entry<Integer, CommandRunner> workload : workloads.entrySet()) {
            while (!(up(host, "jcw" + workload.getKey()) && up(workload.getValue(), "eth0"))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("workload " + workload.getKey() + "'s veth does not pass packets after 10 s");
                }
                Thread.sleep(20);
            }
        }
    }

    private static boolean up(CommandRunner namespace, String link) {
        return namespace.run("ip", "-o", "link", "show", link).stdout().contains(" state UP ");
    }

    /** One ping that gets no answer (a dropped one needs no second try). */
    public static boolean blocked(CommandRunner from, int target) {
        return !from.run("busybox", "ping", "-4", "-c", "1", "-W", "1", "10.65.0." + target).ok();
    }

    public static boolean pings(CommandRunner from, int target) {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (from.run("busybox", "ping", "-4", "-c", "1", "-W", "1", "10.65.0." + target).ok()) {
                return true;
            }
        }
        return false;
    }

    /** A test's end: its PROCESSES killed, then LAB's namespaces and the SCRIPTS directory removed (either may be null). */
    public static void tearDown(WorkloadHost lab, java.util.List<Process> processes, java.nio.file.Path scripts)
            throws java.io.IOException {
        processes.forEach(Process::destroyForcibly);
        if (lab != null) {
            lab.close();
        }
        if (scripts != null) {
            org.jcalico.util.Directories.delete(scripts);
        }
    }

    @Override
    public void close() {
        Namespaces.deleteAll(prefix);
    }
}
