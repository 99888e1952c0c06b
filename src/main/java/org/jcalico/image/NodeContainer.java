package org.jcalico.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.AgentPaths;
import org.jcalico.agent.AgentProcess;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.ValidationException;

/**
 * A node's agent and BIRD running in the node image, as `calicoctl node run` ran calico/node: one container per node,
 * named {@code jcalico-node-NODE}, in the host's network and process namespaces, with the capabilities the agent
 * needs, with the node's run and log directories (and the docker plugin's spec directory, the embedded datastore's,
 * the named network namespaces, the docker socket) mounted at the
 * same paths. So the pid files, the status file and the agent's socket mean inside what they mean outside, and
 * `node status` and the launcher's delegation work unchanged; only stopping goes through docker (see
 * docs/docker.md, "The node image", for the restart policy and why dockerd never waits for this container).
 */
public final class NodeContainer {
    public static final String NODE_LABEL = "org.jcalico.node";
    /** How long docker waits after SIGTERM before it kills the agent; the agent itself stops within a second or two. */
    static final int STOP_TIMEOUT_SECONDS = 30;
    /**
     * What the agent needs, rather than --privileged, which asks for every capability docker knows and so cannot start
     * where the bounding set lacks one (these machines have no CAP_SYS_RESOURCE): the network (NET_ADMIN, NET_RAW),
     * entering workloads' namespaces (SYS_ADMIN; SYS_PTRACE for another process's /proc/PID/ns), and writing the
     * network sysctls, which docker mounts read-only (systempaths) and AppArmor's docker-default profile denies.
     */
    static final List<String> PRIVILEGES = List.of("--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW",
            "--cap-add", "SYS_ADMIN", "--cap-add", "SYS_PTRACE",
            "--security-opt", "systempaths=unconfined", "--security-opt", "apparmor=unconfined");
    private static final Path NAMED_NETNS = Path.of("/run/netns");
    private static final List<String> ETCD_FILES = List.of("ca", "cert", "key", "password-file");
    private static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    private final DockerCli docker;

    public NodeContainer(DockerCli docker) {
        this.docker = docker;
    }

    public static String name(String node) {
        return "jcalico-node-" + node;
    }

    /**
     * `docker run` arguments for the node container: the image then the agent's own command line (as `node start
     * --foreground`). The variables named JCALICO_* and DOCKER_* of this environment go into the container by name
     * (docker copies their values, which never appear on a command line), as a background agent would inherit them.
     */
    static List<String> runArguments(AgentOptions options, String image, Map<String, String> environment) {
        List<String> args = new ArrayList<>(List.of("run", "--detach", "--name", name(options.node()),
                "--label", NODE_LABEL + "=" + options.node(),
                "--net=host", "--pid=host", "--restart=unless-stopped", "--stop-timeout", Integer.toString(STOP_TIMEOUT_SECONDS)));
        args.addAll(PRIVILEGES);
        Set<Path> mounts = new LinkedHashSet<>(List.of(options.paths().runDir(), options.paths().logDir()));
        if (options.dockerPluginDir() != null) {
            mounts.add(options.dockerPluginDir());
        }
        if (options.datastoreUrl().isEmbedded()) {
            mounts.add(options.datastoreUrl().path().toAbsolutePath().getParent());
        }
        String dockerHost = environment.getOrDefault("DOCKER_HOST", DEFAULT_HOST);
        if (dockerHost.startsWith("unix://") && Files.exists(Path.of(dockerHost.substring("unix://".length())))) {
            mounts.add(Path.of(dockerHost.substring("unix://".length())));
        }
        for (Path mount : mounts) {
            args.addAll(List.of("--volume", mount + ":" + mount));
        }
        for (Path file : etcdFiles(options.datastoreUrl().toString(), environment)) {
            args.addAll(List.of("--volume", file + ":" + file + ":ro"));
        }
        // `container add netns:NAME` for a namespace made after the node started: its mount must reach the container
        if (Files.isDirectory(NAMED_NETNS)) {
            args.addAll(List.of("--volume", NAMED_NETNS + ":" + NAMED_NETNS + ":rslave"));
        }
        environment.keySet().stream().filter(name -> name.startsWith("JCALICO_") || name.startsWith("DOCKER_"))
                .sorted().forEach(name -> args.addAll(List.of("--env", name)));
        args.add(image);
        args.addAll(options.arguments(AgentOptions.Role.FOREGROUND));
        return args;
    }

    /** The files etcd's client reads (certificates, key, password), named in the URL's query or by JCALICO_ETCD_*. */
    static Set<Path> etcdFiles(String url, Map<String, String> environment) {
        Set<Path> files = new LinkedHashSet<>();
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String parameter : url.substring(query + 1).split("&")) {
                String[] pair = parameter.split("=", 2);
                if (pair.length == 2 && ETCD_FILES.contains(pair[0])) {
                    files.add(Path.of(pair[1]).toAbsolutePath());
                }
            }
        }
        for (String setting : ETCD_FILES) {
            String value = environment.get("JCALICO_ETCD_" + setting.toUpperCase().replace('-', '_'));
            if (value != null && !value.isBlank()) {
                files.add(Path.of(value).toAbsolutePath());
            }
        }
        return files;
    }

    /**
     * Starts the node's container and waits until its agent reports being in sync; returns the container's id. A
     * stopped container of the node's is replaced; a running one, or an agent running outside docker, is an error.
     */
    public String run(AgentOptions options, String image, Map<String, String> environment) {
        String name = name(options.node());
        if (docker.run("container", "inspect", name).ok()) {
            if (running(name)) {
                throw new ValidationException("the node container " + name + " is already running; `jcalico node stop` first");
            }
            docker.run("rm", name).check();
        }
        AgentProcess agent = new AgentProcess(options.paths());
        try (var start = agent.prepareStart()) {
            String id = docker.run(runArguments(options, image, environment).toArray(String[]::new)).check().stdout().strip();
            Placement placement = new Placement(id, environment.getOrDefault("DOCKER_HOST", DEFAULT_HOST));
            placement.write(options.paths());
            agent.awaitInSync(() -> running(name) ? Optional.empty() : Optional.of("container " + name + " "
                    + docker.run("inspect", "--format", "{{.State.Status}}, exit status {{.State.ExitCode}}", name).stdout().strip()
                    + ", its last words: " + lastLogLine(name)), () -> stop(options.paths()), AgentProcess.START_TIMEOUT);
            return id;
        }
    }

    /**
     * Where a node's agent runs when it runs in a container: the container's id and the daemon that runs it, kept in
     * the node's run directory by `node run`, so that `node stop` and `node status` find it whatever DOCKER_HOST
     * their own environment names.
     */
    public record Placement(String id, String dockerHost) {
        private static Path file(AgentPaths paths) {
            return paths.runDir().resolve("container");
        }

        /** The node's placement, if `node run` started it. */
        public static Optional<Placement> of(AgentPaths paths) {
            try {
                List<String> lines = Files.readAllLines(file(paths));
                return lines.size() == 2 ? Optional.of(new Placement(lines.get(0), lines.get(1))) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        void write(AgentPaths paths) {
            try {
                Files.writeString(file(paths), id + "\n" + dockerHost + "\n");
            } catch (IOException e) {
                throw new ValidationException("cannot write " + file(paths) + ": " + e.getMessage());
            }
        }
    }

    /**
     * Stops and removes the node's container, if `node run` started one: docker sends the agent SIGTERM, on which it
     * stops cleanly (the plugin's spec files and socket go), and kills what is left after
     * {@link #STOP_TIMEOUT_SECONDS}. Returns the container's id, if there was one.
     */
    public static Optional<String> stop(AgentPaths paths) {
        Optional<Placement> placement = Placement.of(paths);
        placement.ifPresent(found -> {
            DockerCli docker = new DockerCli(CommandRunner.local(), found.dockerHost());
            var stopped = docker.run("stop", "--time", Integer.toString(STOP_TIMEOUT_SECONDS), found.id());
            // a container removed by hand is as stopped as it gets; anything else (no daemon) is an error
            if (!stopped.ok() && !stopped.stderr().contains("No such container")) {
                throw new KernelException("cannot stop the node container: " + stopped.describe());
            }
            docker.run("rm", found.id());
            Placement.file(paths).toFile().delete();
        });
        return placement.map(Placement::id);
    }

    /** Running, and not between two starts of its restart policy. */
    private boolean running(String name) {
        var result = docker.run("inspect", "--format", "{{.State.Status}}", name);
        if (!result.ok()) {
            throw new KernelException("the node container " + name + " is gone: " + result.describe());
        }
        return result.stdout().strip().equals("running");
    }

    private String lastLogLine(String name) {
        var logs = docker.run("logs", "--tail", "1", name);
        return (logs.stdout() + logs.stderr()).strip();
    }
}
