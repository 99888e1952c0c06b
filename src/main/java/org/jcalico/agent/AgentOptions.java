package org.jcalico.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.kernel.PidFile;
import org.jcalico.model.IpAddress;

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
        if (dockerPluginDir != null && !dockerPluginDir.isAbsolute()) {
            throw new org.jcalico.model.ValidationException("--docker-plugin-dir " + dockerPluginDir
                    + " is not an absolute path (dockerd reads the spec files from its own directory)");
        }
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
     * The whole command line for this role: a new JVM of this jcalico (see {@link JvmCommand}). The agent's start-up
     * cache is recorded before the supervisor starts, which does not map it (7 MB more RSS, for a process that only
     * starts the agent); the supervisor starts and restarts the agent at once, with the cache if this build has one,
     * never after waiting for one to be recorded.
     */
    public List<String> command(Role role) {
        List<String> command = new ArrayList<>(JvmCommand.jcalico(switch (role) {
            case AGENT -> JvmCommand.CacheUse.USE_IF_RECORDED;
            case SUPERVISOR -> JvmCommand.CacheUse.RECORD_ONLY;
            default -> JvmCommand.CacheUse.RECORD_AND_USE;
        }));
        command.addAll(arguments(role));
        return command;
    }

    /** Whether a process's command line ({@code /proc/PID/cmdline}) is a jcalico agent or supervisor. */
    static boolean isAgentCommand(List<String> args) {
        boolean jcalico = args.contains("org.jcalico.cli.Main") || args.stream().anyMatch(arg -> arg.endsWith("jcalico.jar"));
        return jcalico && PidFile.contains(args, List.of("node", "start"));
    }
}
