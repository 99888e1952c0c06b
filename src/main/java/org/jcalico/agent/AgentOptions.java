package org.jcalico.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.PidFile;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;
import org.jcalico.nodes.NodeService;

/**
 * Everything a node's agent is started with, as one value that renders its own command line: the background start
 * launches the supervisor with it, the supervisor the agent, the lab each host's `node start`, all without a list of
 * arguments built by hand anywhere else.
 *
 * @param ipv4 this host's IPv4 address (null: none), @param ipv6 its IPv6 address (null: none)
 * @param asNumber this node's AS number (null: the cluster's), @param bgp whether to run BIRD
 * @param runRoot the directory that holds one run directory per node, @param logRoot the same for logs
 * @param dockerPluginDir where dockerd looks for plugin spec files (see docs/docker.md); null: no docker plugin
 */
public record AgentOptions(String node, DatastoreUrl datastoreUrl, IpAddress ipv4, IpAddress ipv6, Long asNumber, boolean bgp,
                           Path runRoot, Path logRoot, Path dockerPluginDir) {
    /** Where dockerd looks for plugin spec files unless told otherwise; the CLI's default. */
    public static final String DEFAULT_DOCKER_PLUGIN_DIR = "/etc/docker/plugins";
    /** What --docker-plugin-dir takes for "no docker plugin". */
    public static final String NO_DOCKER_PLUGIN = "none";

    /** Which process a command line starts. */
    public enum Role {
        /** `node start` as a user types it: starts the supervisor in the background and waits until in sync. */
        START(List.of()),
        /** The supervisor, which runs the agent and restarts it when it exits on its own. */
        SUPERVISOR(List.of("--supervisor")),
        /** The agent itself, without a terminal. */
        AGENT(List.of("--detached")),
        /** The agent in the command's own process, supervised by a container runtime (`node run`'s image). */
        FOREGROUND(List.of("--foreground"));

        private final List<String> flags;

        Role(List<String> flags) {
            this.flags = flags;
        }
    }

    public AgentOptions {
        // the node record the agent registers, checked by its own rules before any agent starts: an --as of 0 or an
        // --ip of the wrong family or a reserved network started the supervisor and an agent that failed to register
        new Node(node, ipv4, ipv6, asNumber);
        if (dockerPluginDir != null && !dockerPluginDir.isAbsolute()) {
            throw new ValidationException("--docker-plugin-dir " + dockerPluginDir
                    + " is not an absolute path (dockerd reads the spec files from its own directory)");
        }
    }

    /**
     * These options with this host's IPv4 address, where none is given, found as the source address of its default
     * route (none if it has none): how `node start` reads it, and the agent again where `node start` found none
     * (AgentRuntime, beside the first listing). RUNNER runs the probe (`ip route get`).
     */
    public AgentOptions withDetectedAddress(CommandRunner runner) {
        return ipv4 != null ? this : new AgentOptions(node, datastoreUrl, NodeService.detectAddress(runner, 4).orElse(null),
                ipv6, asNumber, bgp, runRoot, logRoot, dockerPluginDir);
    }

    public AgentPaths paths() {
        return AgentPaths.of(node, runRoot, logRoot);
    }

    /** jcalico's arguments for this role. */
    public List<String> arguments(Role role) {
        List<String> args = new ArrayList<>(List.of("--datastore", datastoreUrl.toString(), "node", "start"));
        args.addAll(role.flags);
        args.addAll(List.of("--name", node, "--run-dir", runRoot.toString(), "--log-dir", logRoot.toString()));
        if (ipv4 != null) {
            args.addAll(List.of("--ip", ipv4.toString()));
        }
        if (ipv6 != null) {
            args.addAll(List.of("--ip6", ipv6.toString()));
        }
        if (asNumber != null) {
            args.addAll(List.of("--as", asNumber.toString()));
        }
        if (!bgp) {
            args.add("--no-bgp");
        }
        // always written out: left to its default, a child would serve the machine's dockerd
        args.addAll(List.of("--docker-plugin-dir", dockerPluginDir == null ? NO_DOCKER_PLUGIN : dockerPluginDir.toString()));
        return args;
    }

    /**
     * These options as {@link #arguments} rendered them for ROLE: how the supervisor, started without jcalico's
     * command line parser (cli/SupervisorMain), reads its own.
     */
    public static AgentOptions parse(List<String> args, Role role) {
        List<String> command = new ArrayList<>(List.of("node", "start"));
        command.addAll(role.flags);
        int head = 2 + command.size();
        if (args.size() < head || !args.get(0).equals("--datastore") || !args.subList(2, head).equals(command)) {
            throw new ValidationException("not the arguments of a " + role + ": " + args);
        }
        Map<String, String> values = new HashMap<>();
        boolean bgp = true;
        for (int i = head; i < args.size(); i++) {
            if (args.get(i).equals("--no-bgp")) {
                bgp = false;
            } else if (i + 1 < args.size() && VALUED.contains(args.get(i))) {
                values.put(args.get(i), args.get(++i));
            } else {
                throw new ValidationException("unexpected argument '" + args.get(i) + "' in " + args);
            }
        }
        for (String required : REQUIRED) {
            if (!values.containsKey(required)) {
                throw new ValidationException("missing " + required + " in " + args);
            }
        }
        String plugins = values.getOrDefault("--docker-plugin-dir", NO_DOCKER_PLUGIN);
        return new AgentOptions(values.get("--name"), DatastoreUrl.parse(args.get(1)), address(values.get("--ip")),
                address(values.get("--ip6")), values.containsKey("--as") ? Long.valueOf(values.get("--as")) : null, bgp,
                Path.of(values.get("--run-dir")), Path.of(values.get("--log-dir")),
                plugins.equals(NO_DOCKER_PLUGIN) ? null : Path.of(plugins));
    }

    /** The options of {@link #arguments} that take a value. */
    private static final Set<String> VALUED = Set.of("--name", "--run-dir", "--log-dir", "--ip",
            "--ip6", "--as", "--docker-plugin-dir");

    /** The options of {@link #arguments} that every role's command line has. */
    private static final List<String> REQUIRED = List.of("--name", "--run-dir", "--log-dir");

    private static IpAddress address(String text) {
        return text == null ? null : IpAddress.parse(text);
    }

    /**
     * The whole command line for this role: a new JVM of this jcalico (see {@link JvmCommand}); the supervisor's its
     * own ({@link JvmCommand#supervisor}), which starts and restarts the agent at once, with the agent's start-up cache
     * if this build has one, never after waiting for one to be recorded.
     */
    public List<String> command(Role role) {
        List<String> command = new ArrayList<>(switch (role) {
            case AGENT -> JvmCommand.agent(datastoreUrl());
            case SUPERVISOR -> JvmCommand.supervisor(datastoreUrl());
            default -> JvmCommand.jcalico(JvmCommand.CacheUse.RECORD_AND_USE);
        });
        command.addAll(arguments(role));
        return command;
    }

    /** Whether a process's command line ({@code /proc/PID/cmdline}) is a jcalico agent or supervisor. */
    static boolean isAgentCommand(List<String> args) {
        boolean jcalico = args.contains("org.jcalico.cli.Main") || args.contains(JvmCommand.SUPERVISOR_MAIN)
                || args.contains(JvmCommand.AGENT_MAIN)
                || args.stream().anyMatch(arg -> arg.endsWith("jcalico.jar"));
        return jcalico && PidFile.contains(args, List.of("node", "start"));
    }
}
