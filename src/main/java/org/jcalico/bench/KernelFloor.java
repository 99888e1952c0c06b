package org.jcalico.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.dataplane.interfaces.Sysctls;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.DataplaneDriver;

/**
 * The bare kernel doing the same work as jcalico: what a host's kernel holds (ipsets, IPv4 and IPv6 rules, the
 * endpoint interfaces' settings and state, jcalico's routes), put into a fresh namespace the fastest way found, timed.
 * Benchmarks print their figures as ratios to it. The fastest way: one {@code ipset restore}, one
 * {@code iptables-restore} and one {@code ip6tables-restore} of the saved content (on nftables: one {@code nft -f}
 * of both tables as listed); every interface setting that a fresh interface does not already hold written by one
 * shell's built-in echo (one process, no fork per key; writing a file is cheaper than the same setting over rtnetlink,
 * docs/dataplane.md, session 38); every link set up and every route added by one {@code ip -batch}. The veth pairs
 * themselves are made before the clock starts, as a container runtime makes them before jcalico sees the endpoint,
 * in a namespace whose forwarding is on, as the agent's start turns it on, after an uplink holding an address, as the
 * agent's host has ({@link BenchInterfaces}). Timed twice, each into a fresh namespace: the tools
 * one after the other, and the independent ones at once (the sets first, as the rules name them; then each family's
 * rules beside the settings, links and routes), as the agent runs its writers; the floor is the faster of the two.
 */
record KernelFloor(DataplaneDriver driver, String ipsets, String ipv4Rules, String ipv6Rules, int links, int routes,
                   int settings, Map<String, Long> parts, long concurrentMicros, long sequentialCpuMillis,
                   long concurrentCpuMillis) {
    private static final Pattern HOST_SIDE = Pattern.compile("^\\d+: (jc[^:@]*)[@:]");
    /** The administrative flag UP among a link's flags (not its operational state, LOWERLAYERDOWN with a peer down). */
    private static final Pattern UP = Pattern.compile("<([^>]*,)?UP[,>]");

    /** The floor of the iptables driver: see the other. */
    static KernelFloor of(CommandRunner host, String hostNamespace, String bareNamespace) {
        return of(host, hostNamespace, bareNamespace, DataplaneDriver.IPTABLES);
    }

    /**
     * Saves HOST's state, deletes HOST's namespace, and times restoring the state into a fresh one, then deletes it.
     * On nftables the rules and sets are jcalico's two tables as nft lists them, restored by one {@code nft -f -}.
     */
    static KernelFloor of(CommandRunner host, String hostNamespace, String bareNamespace, DataplaneDriver driver) {
        boolean nft = driver == DataplaneDriver.NFTABLES;
        String ipsets = nft ? "" : host.run("ipset", "save").check().stdout();
        String v4 = nft ? nftTable(host, "ip") : host.run("iptables-save").check().stdout();
        String v6 = nft ? nftTable(host, "ip6") : host.run("ip6tables-save").check().stdout();
        List<String> shown = host.run("ip", "-o", "link", "show").check().stdout().lines().toList();
        List<String> links = hostSides(shown, false);
        // of those, what jcalico set up: an endpoint's link; a veth made for a later add (bench policy's) stays down,
        // and the floor sets it up no more than the agent did
        List<String> upLinks = hostSides(shown, true);
        List<String> routes = new ArrayList<>();
        for (String family : List.of("-4", "-6")) {
            // "linkdown" is a state ip prints (the veth's other end is down), not something one can add
            host.run("ip", family, "route", "show", "proto", String.valueOf(HostState.ROUTE_PROTOCOL)).check().stdout()
                    .lines().forEach(route -> routes.add("route add " + route.replace(" linkdown", "") + " proto "
                            + HostState.ROUTE_PROTOCOL));
        }
        Namespaces.delete(hostNamespace);

        StringBuilder veths = new StringBuilder();
        StringBuilder up = new StringBuilder();
        for (int i = 0; i < links.size(); i++) {
            veths.append("link add name ").append(links.get(i)).append(" type veth peer name f").append(i).append('\n');
        }
        upLinks.forEach(link -> up.append("link set ").append(link).append(" up\n"));
        routes.forEach(route -> up.append(route).append('\n'));
        Map<String, Long> parts = new java.util.LinkedHashMap<>();
        CommandRunner bare = freshHost(bareNamespace, veths.toString());
        long cpuBefore = ProcessCpu.waitedChildrenMillis();
        List<Integer> differing = upLinks.isEmpty() ? List.of() : differing(bare, upLinks.getFirst());
        StringBuilder settings = new StringBuilder();
        for (String link : upLinks) {
            List<Map.Entry<String, String>> wanted = List.copyOf(Sysctls.forInterface(endpoint(link)).entrySet());
            differing.forEach(index -> settings.append("echo ").append(wanted.get(index).getValue()).append(" > ")
                    .append(Sysctls.path(wanted.get(index).getKey())).append('\n'));
        }
        if (nft) {
            time(parts, "nft -f (both tables)", () -> bare.run(List.of("nft", "-f", "-"), v4 + v6).check());
        } else {
            time(parts, "ipset restore", () -> bare.run(List.of("ipset", "restore"), ipsets).check());
            time(parts, "iptables-restore", () -> bare.run(List.of("iptables-restore"), v4).check());
            time(parts, "ip6tables-restore", () -> bare.run(List.of("ip6tables-restore"), v6).check());
        }
        time(parts, "sysctls (sh)", () -> bare.run(List.of("sh", "-e"), settings.toString()).check());
        time(parts, "links up + routes (ip -batch)", () -> bare.run(List.of("ip", "-batch", "-"), up.toString()).check());
        long sequentialCpu = ProcessCpu.waitedChildrenMillis() - cpuBefore;
        Namespaces.delete(bareNamespace);

        // the same content with the independent writers at once, on the machine's cores: the sets first (the rules
        // name them), then each family's rules beside the interfaces' settings, links and routes
        CommandRunner again = freshHost(bareNamespace, veths.toString());
        long concurrentCpuBefore = ProcessCpu.waitedChildrenMillis();
        long start = System.nanoTime();
        List<Runnable> atOnce = new ArrayList<>();
        if (nft) {
            atOnce.add(() -> again.run(List.of("nft", "-f", "-"), v4 + v6).check());
        } else {
            again.run(List.of("ipset", "restore"), ipsets).check();
            atOnce.add(() -> again.run(List.of("iptables-restore"), v4).check());
            atOnce.add(() -> again.run(List.of("ip6tables-restore"), v6).check());
        }
        atOnce.add(() -> {
            again.run(List.of("sh", "-e"), settings.toString()).check();
            again.run(List.of("ip", "-batch", "-"), up.toString()).check();
        });
        java.util.concurrent.CompletableFuture.allOf(atOnce.stream().map(work -> java.util.concurrent.CompletableFuture
                .runAsync(work, Thread::startVirtualThread)).toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        long concurrent = (System.nanoTime() - start) / 1000;
        long concurrentCpu = ProcessCpu.waitedChildrenMillis() - concurrentCpuBefore;
        Namespaces.delete(bareNamespace);
        return new KernelFloor(driver, ipsets, v4, v6, upLinks.size(), routes.size(), differing.size(), parts, concurrent,
                sequentialCpu, concurrentCpu);
    }

    /** The host sides of jcalico's veths in `ip -o link show`'s lines SHOWN; with UP, only those set up. */
    static List<String> hostSides(List<String> shown, boolean up) {
        return shown.stream().filter(line -> !up || UP.matcher(line).find()).map(HOST_SIDE::matcher)
                .filter(java.util.regex.Matcher::find).map(matcher -> matcher.group(1)).toList();
    }

    /** A fresh namespace with forwarding on (as the agent's start sets it), the agent's host's uplink and the veths made. */
    static CommandRunner freshHost(String namespace, String veths) {
        CommandRunner bare = Namespaces.create(namespace);
        bare.run(Sysctls.writeCommand(Sysctls.global())).check();
        bare.run(List.of("ip", "-batch", "-"), BenchInterfaces.UPLINK_BATCH + veths).check();
        return bare;
    }

    private static EndpointInterface endpoint(String link) {
        return new EndpointInterface(link, true, true);
    }

    /**
     * Which of an interface's settings (their places in {@link Sysctls#forInterface}'s order) a fresh veth does not
     * already hold, read from one of them: the veths are made alike, so the others hold the same. Only those are
     * written, as the agent writes only a setting that differs.
     */
    private static List<Integer> differing(CommandRunner bare, String link) {
        List<Map.Entry<String, String>> wanted = List.copyOf(Sysctls.forInterface(endpoint(link)).entrySet());
        List<String> read = new ArrayList<>(List.of("sysctl"));
        wanted.forEach(setting -> read.add(setting.getKey()));
        Map<String, String> fresh = Sysctls.parse(bare.run(read).check().stdout());
        List<Integer> differing = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            if (!wanted.get(i).getValue().equals(fresh.get(wanted.get(i).getKey()))) {
                differing.add(i);
            }
        }
        return differing;
    }

    /** The table as nft lists it, without its indentation (tabs, which a tool's input may not hold). */
    private static String nftTable(CommandRunner host, String family) {
        return host.run("nft", "list", "table", family, "jcalico").check().stdout().lines().map(String::strip)
                .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    }

    private static void time(Map<String, Long> parts, String what, Runnable work) {
        long start = System.nanoTime();
        work.run();
        parts.put(what, (System.nanoTime() - start) / 1000);
    }

    /** The whole floor: the faster of its parts one after the other and of the writers at once. */
    long micros() {
        return Math.min(sequentialMicros(), concurrentMicros);
    }

    long sequentialMicros() {
        return parts.values().stream().mapToLong(Long::longValue).sum();
    }

    String rules() {
        return ipv4Rules + ipv6Rules;
    }

    /** The rules of both families: iptables-save's "-A" lines, or nft's rules (each carries jcalico's tag). */
    long ruleCount() {
        String marker = driver == DataplaneDriver.NFTABLES ? "comment \"jc:" : "-A";
        return rules().lines().filter(line -> driver == DataplaneDriver.NFTABLES
                ? line.contains(marker) : line.startsWith(marker)).count();
    }

    /** The members of every set: ipset's "add" lines, or the elements nft lists (of its maps too). */
    long memberCount() {
        if (driver != DataplaneDriver.NFTABLES) {
            return ipsets.lines().filter(line -> line.startsWith("add")).count();
        }
        long members = 0;
        boolean inElements = false;
        for (String line : rules().lines().map(String::strip).toList()) {
            inElements |= line.startsWith("elements = {");
            if (inElements) {
                members += java.util.Arrays.stream(line.replace("elements = {", "").replace("}", "").split(","))
                        .filter(element -> !element.isBlank()).count();
                inElements = !line.endsWith("}");
            }
        }
        return members;
    }

    /** One line: what the floor holds and what each part took. */
    String describe() {
        StringBuilder text = new StringBuilder(String.format("kernel floor %.1f ms for %,d links (%d settings each that a fresh one lacks) and %,d"
                + " routes besides the rules and sets, the faster of the writers at once (%.1f ms) and one after the"
                + " other (%.1f ms):", micros() / 1000.0, links, settings, routes, concurrentMicros / 1000.0,
                sequentialMicros() / 1000.0));
        parts.forEach((what, micros) -> text.append(String.format(" %s %.1f ms;", what, micros / 1000.0)));
        return text.substring(0, text.length() - 1);
    }
}
