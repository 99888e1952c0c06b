package org.jcalico.checksystem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;

/**
 * Gathers {@link SystemFacts} without changing the host: versions and `-S` listings of the tools, sysctls read from
 * /proc, listeners from `ss`. A kernel feature is tried for real, but inside a network namespace of its own made by
 * `unshare --net` for that one command, which the kernel discards with everything in it when the command exits: a
 * module listing cannot tell, since built-in features need no module and /sys/module shows only some of them.
 */
public final class SystemProbe {
    private static final Pattern SS_USER = Pattern.compile("\\(\"([^\"]+)\",pid=(\\d+)");
    private final CommandRunner runner;

    public SystemProbe(CommandRunner runner) {
        this.runner = runner;
    }

    /** @param bgp whether the node is to run BIRD, @param ownBird this node's BIRD's pid, or null */
    public SystemFacts gather(boolean bgp, Long ownBird) {
        boolean root = "root".equals(System.getProperty("user.name"));
        Map<String, String> kernel = new LinkedHashMap<>();
        if (root) {
            for (SystemChecks.Feature feature : SystemChecks.FEATURES) {
                kernel.put(feature.name(), refusal(trial(feature.name())));
            }
        }
        Map<String, String> tools = new LinkedHashMap<>();
        versionCommands().forEach((tool, command) -> tools.put(tool, version(tool, command)));
        Map<String, String> forwarding = new LinkedHashMap<>();
        forwarding.put(SystemChecks.IPV4_FORWARDING, sysctl(SystemChecks.IPV4_FORWARDING));
        forwarding.put(SystemChecks.IPV6_FORWARDING, sysctl(SystemChecks.IPV6_FORWARDING));
        Map<String, String> chains = new LinkedHashMap<>();
        for (String command : List.of("iptables", "ip6tables")) {
            CommandRunner.Result listing = runner.run(command, "-w", "5", "-S", "FORWARD");
            chains.put(command, listing.ok() ? listing.stdout() : null);
        }
        return new SystemFacts(root, kernel, tools, forwarding, chains, bgpPortHolders(), ownBird, bgp, firewalls());
    }

    /** The command that needs the feature, run in a namespace that exists only for it. */
    private static List<String> trial(String feature) {
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--"));
        command.addAll(switch (feature) {
            case "ipset hash:ip" -> List.of("ipset", "create", "jc-check", "hash:ip");
            case "ipset hash:net" -> List.of("ipset", "create", "jc-check", "hash:net");
            case "conntrack" -> List.of("iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED", "-j", "ACCEPT");
            case "NFLOG" -> List.of("iptables", "-A", "INPUT", "-j", "NFLOG", "--nflog-group", "1");
            case "iptables security table" -> List.of("iptables", "-t", "security", "-A", "INPUT", "-j", "RETURN");
            case "ip6tables security table" -> List.of("ip6tables", "-t", "security", "-A", "INPUT", "-j", "RETURN");
            case "VXLAN" -> List.of("ip", "link", "add", "jc-check", "type", "vxlan", "id", "1", "dstport", "4789");
            default -> throw new IllegalArgumentException("no trial for " + feature);
        });
        return command;
    }

    /** "" when the command worked, else its error output. */
    private String refusal(List<String> command) {
        CommandRunner.Result result = runner.run(command);
        return result.ok() ? "" : (result.stdout() + result.stderr()).strip().replace('\n', ' ');
    }

    private static Map<String, List<String>> versionCommands() {
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("ip", List.of("ip", "-V"));
        for (String tool : List.of("iptables", "ip6tables", "iptables-restore", "ip6tables-restore", "ipset")) {
            commands.put(tool, List.of(tool, "--version"));
        }
        commands.put("bird", List.of("bird", "--version"));
        commands.put("birdc", List.of("birdc", "-h"));
        commands.put("conntrack", List.of("conntrack", "--version"));
        return commands;
    }

    /** The tool's version line, "installed" for birdc (which has no version option), or null when it cannot run. */
    private String version(String tool, List<String> command) {
        CommandRunner.Result result = runner.run(command);
        if (result.exitCode() == 127) {
            return null;
        }
        if (tool.equals("birdc")) {
            return "installed";
        }
        return (result.stdout() + result.stderr()).lines().map(String::strip).filter(line -> !line.isEmpty()).findFirst()
                .orElse("installed");
    }

    /** Read in this process's own network namespace, as the agent would see it. */
    private static String sysctl(String name) {
        try {
            return Files.readString(Path.of("/proc/sys", name.replace('.', '/'))).strip();
        } catch (IOException e) {
            return null;
        }
    }

    private List<SystemFacts.Listener> bgpPortHolders() {
        List<SystemFacts.Listener> holders = new ArrayList<>();
        CommandRunner.Result listening = runner.run("ss", "-Hltnp", "sport = :179");
        for (String line : listening.stdout().lines().toList()) {
            Matcher user = SS_USER.matcher(line);
            while (user.find()) {
                holders.add(new SystemFacts.Listener(user.group(1), Long.parseLong(user.group(2))));
            }
            if (!line.isBlank() && !line.contains("pid=")) {
                holders.add(new SystemFacts.Listener("a process of another namespace or user", -1));
            }
        }
        return holders.stream().distinct().toList();
    }

    /** firewalld running (by process name), ufw enabled (by its configuration). */
    private static List<String> firewalls() {
        List<String> found = new ArrayList<>();
        boolean firewalld = ProcessHandle.allProcesses().anyMatch(process -> process.info().command()
                .map(command -> command.endsWith("/firewalld") || process.info().arguments().map(args ->
                        args.length > 0 && args[0].endsWith("/firewalld")).orElse(false)).orElse(false));
        if (firewalld) {
            found.add("firewalld");
        }
        try {
            Path ufw = Path.of("/etc/ufw/ufw.conf");
            if (Files.exists(ufw) && Files.readString(ufw).lines().anyMatch(line -> line.strip().equalsIgnoreCase("ENABLED=yes"))) {
                found.add("ufw");
            }
        } catch (IOException e) {
            // unreadable: not reported
        }
        return found;
    }
}
