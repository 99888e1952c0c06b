package org.jcalico.felix.dataplane.interfaces;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.kernel.CommandRunner;

/**
 * Configures the host side of endpoint veths: up, proxy ARP without delay (IPv4), forwarding, no router
 * advertisements (IPv6).
 * One `ip -batch` and one `sysctl` per pass, for the interfaces that are new or whose settings drifted.
 */
public final class InterfaceDriver {
    private static final Pattern LINK = Pattern.compile("^\\d+: ([^:@]+)[@:][^\\n<]*<([^>]*)>", Pattern.MULTILINE);
    private static final Pattern MISSING = Pattern.compile("/proc/sys/net/ipv[46]/(?:conf|neigh)/([^/]+)/");
    private final CommandRunner runner;
    private Set<EndpointInterface> known = new HashSet<>();
    /** After {@link #forget}: read settings back and change only what drifted; otherwise new interfaces are just set. */
    private boolean verify = true;

    public InterfaceDriver(CommandRunner runner) {
        this.runner = runner;
    }

    /** Checks every interface's settings against the kernel on the next pass. */
    public void forget() {
        known = new HashSet<>();
        verify = true;
    }

    /** Sets the forwarding switches the whole namespace needs; once at start. */
    public void start() {
        runner.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1").check();
    }

    /** @return how many interfaces needed configuring; failures go into the map by interface name */
    public int apply(Set<EndpointInterface> desired, Map<String, String> failures) {
        List<EndpointInterface> pending = desired.stream().filter(i -> !known.contains(i))
                .sorted(java.util.Comparator.comparing(EndpointInterface::name)).toList();
        known.retainAll(desired);
        if (pending.isEmpty()) {
            return 0;
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        for (EndpointInterface endpoint : pending) {
            wanted.putAll(settings(endpoint));
        }
        Map<String, String> current = verify ? read(wanted.keySet()) : Map.of();
        List<String> toSet = new ArrayList<>();
        Set<String> changed = new HashSet<>();
        wanted.forEach((key, value) -> {
            if (!value.equals(current.get(key))) {
                toSet.add(key + "=" + value);
                changed.add(interfaceOf(key));
            }
        });
        List<String> links = new ArrayList<>();
        Set<String> down = verify ? linksDown(pending) : pending.stream().map(EndpointInterface::name)
                .collect(java.util.stream.Collectors.toSet());
        for (EndpointInterface endpoint : pending) {
            if (down.contains(endpoint.name())) {
                links.add("link set " + endpoint.name() + " up");
                changed.add(endpoint.name());
            }
        }
        Set<String> failed = new HashSet<>();
        if (!links.isEmpty()) {
            CommandRunner.Result result = runner.run(List.of("ip", "-force", "-batch", "-"), String.join("\n", links) + "\n");
            if (!result.ok()) {
                for (String line : links) {
                    String name = line.split(" ")[2];
                    if (result.stderr().contains("\"" + name + "\"")) {
                        failed.add(name);
                        failures.merge(name, "interface does not exist", (a, b) -> a + "; " + b);
                    }
                }
            }
        }
        if (!toSet.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("sysctl", "-q", "-w"));
            command.addAll(toSet);
            CommandRunner.Result result = runner.run(command);
            Matcher matcher = MISSING.matcher(result.stderr());
            while (matcher.find()) {
                if (failed.add(matcher.group(1))) {
                    failures.merge(matcher.group(1), "interface does not exist", (a, b) -> a + "; " + b);
                }
            }
        }
        for (EndpointInterface endpoint : pending) {
            if (!failed.contains(endpoint.name())) {
                known.add(endpoint);
            }
        }
        changed.removeAll(failed);
        verify = false;
        return changed.size();
    }

    private static Map<String, String> settings(EndpointInterface endpoint) {
        Map<String, String> settings = new LinkedHashMap<>();
        String name = endpoint.name();
        if (endpoint.ipv4()) {
            settings.put("net/ipv4/conf/" + name + "/proxy_arp", "1");
            settings.put("net/ipv4/conf/" + name + "/forwarding", "1");
            // proxy ARP answers are otherwise delayed up to 0.8 s, which a container's first packet would wait for
            settings.put("net/ipv4/neigh/" + name + "/proxy_delay", "0");
        }
        if (endpoint.ipv6()) {
            settings.put("net/ipv6/conf/" + name + "/accept_ra", "0");
            settings.put("net/ipv6/conf/" + name + "/forwarding", "1");
        }
        return settings;
    }

    private static String interfaceOf(String key) {
        return key.split("/")[3];
    }

    /** Current values, by key; keys of missing interfaces are absent. */
    private Map<String, String> read(Set<String> keys) {
        List<String> command = new ArrayList<>(List.of("sysctl"));
        command.addAll(keys);
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : runner.run(command).stdout().split("\n")) {
            int equals = line.indexOf(" = ");
            if (equals > 0) {
                values.put(line.substring(0, equals).replace('.', '/'), line.substring(equals + 3).strip());
            }
        }
        return values;
    }

    private Set<String> linksDown(List<EndpointInterface> interfaces) {
        java.util.Map<String, Boolean> up = new java.util.HashMap<>();
        Matcher matcher = LINK.matcher(runner.run("ip", "-o", "link", "show").stdout());
        while (matcher.find()) {
            up.put(matcher.group(1), List.of(matcher.group(2).split(",")).contains("UP"));
        }
        Set<String> down = new HashSet<>();
        for (EndpointInterface endpoint : interfaces) {
            if (!up.getOrDefault(endpoint.name(), false)) {
                down.add(endpoint.name());
            }
        }
        return down;
    }
}
