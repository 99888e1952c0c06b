package org.jcalico.lab;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.workload.DockerClient;

/**
 * A docker daemon of its own inside a network namespace, with every file it writes (data, runtime state, sockets,
 * pid files, logs) under one root directory: Debian's dockerd with a containerd of its own, never the machine's.
 *
 * <p>Both run in a mount namespace of their own, a slave of the machine's: the mounts they make (the sandboxes'
 * namespace files, shm) never reach the machine and vanish with their last process, even after a kill -9. The
 * machine's /sys stays, with its cgroups, which runc needs ({@code ip netns exec} would replace it). Given a
 * directory, that mount namespace sees it as /etc/docker: the daemon then finds remote plugins in its plugins/
 * (dockerd looks nowhere else but the machine-wide /run/docker/plugins and /usr/lib/docker/plugins). dockerd would
 * use the machine's containerd whenever /run/containerd/containerd.sock exists, hence one started here and named.
 */
public final class DockerDaemon {
    /** Debian's docker client; a client elsewhere in PATH may be another version. */
    public static final String DOCKER = "/usr/bin/docker";
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final long STOP_TIMEOUT_SECONDS = 10;
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
    // deep enough for v1 (controller/docker/ID) and v2 (docker/ID or system.slice/docker-ID.scope)
    private static final int CGROUP_DEPTH = 3;
    // a shell that records its pid (which the daemon keeps: exec), binds /etc/docker if asked to, then runs the daemon
    private static final String LAUNCH = "echo $$ > \"$1\" && { [ -z \"$2\" ] || mount --bind \"$2\" /etc/docker; } && shift 2 && exec \"$@\"";
    private final Path root;
    private final String namespace;
    private final Path etcDocker;
    private final boolean ownFirewall;

    private DockerDaemon(Path root, String namespace, Path etcDocker, boolean ownFirewall) {
        this.root = root;
        this.namespace = namespace;
        this.etcDocker = etcDocker;
        this.ownFirewall = ownFirewall;
    }

    /** The daemon rooted there, running or not: for its client, or to {@link #stop} it from another process. */
    public static DockerDaemon at(Path root) {
        return new DockerDaemon(root, null, null, false);
    }

    /**
     * Starts containerd and dockerd inside the (existing) namespace with their state under root, an absolute path kept
     * short: unix sockets live below it and a socket path may not exceed 107 bytes. First removes what an interrupted
     * run left under root; on failure leaves nothing.
     *
     * @param etcDocker the directory the daemon sees as /etc/docker (its plugins/ is where it discovers plugins), or
     *                  null for the machine's own
     */
    public static DockerDaemon start(String namespace, Path root, Path etcDocker) {
        return start(namespace, root, etcDocker, false);
    }

    /**
     * The same; with OWN_FIREWALL the daemon runs as docker.io does by default (`--iptables=true`, its bridge docker0):
     * it writes its rules into the namespace's iptables, FORWARD policy DROP included, and inserts them above whatever
     * FORWARD holds at each start, as on a real host beside jcalico (docs/docker.md, "Session 64 (t-docker)").
     */
    public static DockerDaemon start(String namespace, Path root, Path etcDocker, boolean ownFirewall) {
        DockerDaemon daemon = new DockerDaemon(root, namespace, etcDocker, ownFirewall);
        daemon.stop();
        try {
            Files.createDirectories(root);
            // an empty configuration, so that a daemon.json of the machine's cannot change this daemon
            Files.writeString(root.resolve("daemon.json"), "{}");
            Files.writeString(root.resolve("containerd.toml"), daemon.containerdConfig());
            daemon.run(null);
            return daemon;
        } catch (IOException | RuntimeException e) {
            daemon.stop();
            throw e instanceof KernelException k ? k : new KernelException("cannot start dockerd in " + namespace + ": " + e.getMessage());
        }
    }

    /**
     * Kills dockerd and its containerd with SIGKILL, as a crash would (the containers keep running under their shims),
     * and starts both again on the same state, in the mount namespace the shims still hold (as on a machine, where
     * the mounts a crashed daemon made are still there for the next one): dockerd then finds the containers and deals
     * with them as after any crash. Only for a daemon this process {@link #start}ed.
     */
    public void killAndRestart() {
        if (namespace == null) {
            throw new IllegalStateException("not started here: " + root);
        }
        for (String pidFile : List.of("dockerd.pid", "containerd.pid")) {
            ownProcess(pidFile).ifPresent(process -> {
                process.destroyForcibly();
                process.onExit().orTimeout(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
            });
        }
        try {
            // a killed containerd leaves its socket, which would pass for the new one's
            Files.deleteIfExists(root.resolve("containerd.sock"));
            Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
            Path held = ProcessHandle.allProcesses().filter(process -> belongsHere(process.pid()))
                    .map(process -> Path.of("/proc", Long.toString(process.pid()), "ns", "mnt"))
                    .filter(mounts -> !own.equals(readLink(mounts))).findFirst().orElse(null);
            run(held);
        } catch (IOException e) {
            throw new KernelException("cannot restart dockerd in " + namespace + ": " + e.getMessage());
        }
    }

    private static Path readLink(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            return null;
        }
    }

    /** Starts containerd (in a new mount namespace, or in the one given) and dockerd joining it; waits for its API. */
    private void run(Path mountNamespace) throws IOException {
        Process containerd = launch("containerd", mountNamespace, List.of("containerd", "--config", root.resolve("containerd.toml").toString()));
        await(containerd, "containerd", () -> Files.exists(root.resolve("containerd.sock")));
        long containerdPid = Long.parseLong(Files.readString(root.resolve("containerd.pid")).strip());
        Path mounts = Path.of("/proc", Long.toString(containerdPid), "ns", "mnt");
        if (Files.readSymbolicLink(mounts).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")))) {
            throw new KernelException("containerd in " + namespace + " runs in the machine's mount namespace");
        }
        await(start(dockerd("/run/netns/" + namespace, mounts), "dockerd"), "dockerd", this::answers);
    }

    /**
     * dockerd in that network namespace, joining containerd's mount namespace: runc, started by containerd, must see
     * what dockerd mounts.
     */
    private List<String> dockerd(String network, Path mounts) {
        List<String> command = new ArrayList<>(List.of("setsid", "nsenter", "--net=" + network,
                "--mount=" + mounts, "--", "dockerd", "--config-file", root.resolve("daemon.json").toString(),
                "--containerd", root.resolve("containerd.sock").toString(),
                "--data-root", root.resolve("data").toString(), "--exec-root", root.resolve("exec").toString(),
                "-H", "unix://" + socket(), "--pidfile", root.resolve("dockerd.pid").toString(),
                // a daemon stopped with containers still running waits this long for them before killing them
                "--shutdown-timeout", "1",
                // vfs needs no mounts and works on any file system, overlay included; busybox is 2 MB to copy
                "--storage-driver", "vfs"));
        if (!ownFirewall) {
            command.addAll(List.of("--bridge=none", "--iptables=false", "--ip6tables=false"));
        }
        return command;
    }

    /**
     * Stops dockerd as a service manager would (SIGTERM: it stops its containers, each within its stop timeout) and
     * starts it again on the same state beside the same containerd, as after an upgrade; returns how long each took
     * in milliseconds: {stop, start until the API answers}. A dockerd that does not stop within 10 s is killed.
     */
    public long[] restart() {
        long containerd = ownProcess("containerd.pid").orElseThrow(() -> new KernelException("no containerd runs under " + root)).pid();
        ProcessHandle dockerd = ownProcess("dockerd.pid").orElseThrow(() -> new KernelException("no dockerd runs under " + root));
        long begin = System.nanoTime();
        stop(dockerd);
        long stopped = System.nanoTime();
        try {
            Path namespaces = Path.of("/proc", Long.toString(containerd), "ns");
            Process process = start(dockerd(namespaces.resolve("net").toString(), namespaces.resolve("mnt")), "dockerd");
            await(process, "dockerd", this::answers);
        } catch (IOException e) {
            throw new KernelException("cannot start dockerd again under " + root + ": " + e.getMessage());
        }
        return new long[] {(stopped - begin) / 1_000_000, (System.nanoTime() - stopped) / 1_000_000};
    }

    public Path root() {
        return root;
    }

    /** The daemon's API socket, for DOCKER_HOST=unix://SOCKET. */
    public Path socket() {
        return root.resolve("docker.sock");
    }

    /** Whether the daemon serves its API. */
    public boolean answers() {
        return Files.exists(socket()) && new DockerClient(socket()).answers();
    }

    /** The docker command line against this daemon, with a client configuration of its own (never ~/.docker). */
    public List<String> command(List<String> args) {
        List<String> command = new ArrayList<>(List.of(DOCKER, "--config", root.resolve("client").toString(),
                "-H", "unix://" + socket()));
        command.addAll(args);
        return command;
    }

    /** Runs the docker command against this daemon. */
    public CommandRunner.Result docker(String... args) {
        return CommandRunner.local().run(command(List.of(args)));
    }

    /** Imports a root file system archive as an image. */
    public void importImage(Path archive, String image) {
        docker("import", archive.toString(), image).check();
    }

    /**
     * Removes the daemon and all it left: its containers (through the daemon when it answers), the daemon and its
     * containerd (asked to stop first), then whatever survives a killed daemon: shims and the daemons themselves
     * (found by the root in their command lines), container processes and cgroups (by the container ids in its data),
     * and finally the files. Fine to call when nothing runs or the root does not exist.
     */
    public void stop() {
        if (answers()) {
            String containers = docker("ps", "-aq").stdout().strip();
            if (!containers.isEmpty()) {
                List<String> remove = new ArrayList<>(List.of("rm", "-f"));
                remove.addAll(List.of(containers.split("\\s+")));
                CommandRunner.local().run(command(remove));
            }
        }
        ownProcess("dockerd.pid").ifPresent(DockerDaemon::stop);
        ownProcess("containerd.pid").ifPresent(DockerDaemon::stop);
        List<String> containers = containerIds();
        ProcessHandle.allProcesses().filter(process -> belongsHere(process.pid()) || runsOneOf(process.pid(), containers))
                .forEach(process -> {
                    process.destroyForcibly();
                    process.onExit().orTimeout(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).exceptionally(e -> null).join();
                });
        removeCgroups(containers);
        if (Files.exists(root)) {
            // never cross into another file system, should a mount have reached this one
            CommandRunner.local().run("rm", "-rf", "--one-file-system", root.toString()).check();
        }
    }

    private String containerdConfig() {
        return String.join("\n",
                "version = 2",
                "root = \"" + root.resolve("containerd/root") + "\"",
                "state = \"" + root.resolve("containerd/state") + "\"",
                // dockerd needs none of the Kubernetes runtime interface
                "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
                "[grpc]", "  address = \"" + root.resolve("containerd.sock") + "\"",
                "[debug]", "  address = \"\"",
                "[metrics]", "  address = \"\"",
                "[plugins.\"io.containerd.internal.v1.opt\"]", "  path = \"" + root.resolve("containerd/opt") + "\"",
                "");
    }

    /**
     * Starts a daemon in the network namespace and either in a new mount namespace whose /etc/docker is etcDocker (if
     * given) or in an existing one (which has that bind already).
     */
    private Process launch(String name, Path mountNamespace, List<String> daemon) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid", "nsenter", "--net=/run/netns/" + namespace));
        if (mountNamespace == null) {
            command.addAll(List.of("--", "unshare", "--mount", "--propagation", "slave", "--"));
        } else {
            command.addAll(List.of("--mount=" + mountNamespace, "--"));
        }
        command.addAll(List.of("sh", "-c", LAUNCH, "sh", root.resolve(name + ".pid").toString(),
                etcDocker == null || mountNamespace != null ? "" : etcDocker.toString()));
        command.addAll(daemon);
        return start(command, name);
    }

    private Process start(List<String> command, String name) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve(name + ".log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private interface Check {
        boolean holds() throws IOException;
    }

    private void await(Process process, String name, Check ready) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (ready.holds()) {
                return;
            }
            if (!process.isAlive()) {
                throw new KernelException(name + " exited with status " + process.exitValue() + ": " + logTail(name));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KernelException("interrupted while starting " + name);
            }
        }
        throw new KernelException(name + " did not answer within " + START_TIMEOUT_MILLIS + " ms: " + logTail(name));
    }

    private String logTail(String name) throws IOException {
        List<String> lines = Files.readAllLines(root.resolve(name + ".log"));
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    /** The process a pid file here names, if it still runs this daemon (a recycled pid is someone else's). */
    private Optional<ProcessHandle> ownProcess(String pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(root.resolve(pidFile)).strip());
            return ProcessHandle.of(pid).filter(process -> belongsHere(process.pid()));
        } catch (IOException | NumberFormatException e) {
            // no pid file, or an unreadable one: the sweep by command line still finds the process
            return Optional.empty();
        }
    }

    /** Asks politely first: a daemon that stops on its own stops its containers and unmounts what it mounted. */
    private static void stop(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
        }
    }

    /** The daemons and the shims all name the root in their command lines. */
    private boolean belongsHere(long pid) {
        try {
            List<String> args = List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).split("\0"));
            return isDaemon(args) && String.join(" ", args).contains(root + "/");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether a command line is one of the programs a daemon runs as (or its launching shell): naming the root is not
     * enough, since a command being started for the lab (the agent under {@code env DOCKER_HOST=unix://ROOT/...},
     * a docker client) names it too and must not be killed by a sweep that runs meanwhile.
     */
    static boolean isDaemon(List<String> args) {
        String program = args.isEmpty() ? "" : args.get(0).substring(args.get(0).lastIndexOf('/') + 1);
        return program.equals("dockerd") || program.startsWith("containerd") || args.contains(LAUNCH);
    }

    /** Container processes name nothing of the daemon, but docker puts each in a cgroup named after its container. */
    private static boolean runsOneOf(long pid, List<String> containerIds) {
        if (containerIds.isEmpty()) {
            return false;
        }
        try {
            String cgroups = String.join("\n", Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup")));
            return containerIds.stream().anyMatch(cgroups::contains);
        } catch (IOException e) {
            return false;
        }
    }

    /** A container killed along with its daemon keeps its cgroups: docker removes them only when it sees it exit. */
    private static void removeCgroups(List<String> containerIds) {
        if (containerIds.isEmpty()) {
            return;
        }
        List<Path> cgroups;
        try (Stream<Path> walk = Files.walk(CGROUPS, CGROUP_DEPTH)) {
            cgroups = walk.filter(Files::isDirectory)
                    .filter(dir -> containerIds.stream().anyMatch(dir.getFileName().toString()::contains))
                    .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + CGROUPS, e);
        }
        for (Path cgroup : cgroups) {
            removeCgroup(cgroup);
        }
    }

    /** A killed process leaves its cgroup only once it has been reaped, which takes a moment. */
    private static void removeCgroup(Path cgroup) {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.deleteIfExists(cgroup);
                return;
            } catch (IOException e) {
                if (attempt == 50) {
                    throw new IllegalStateException("cannot remove cgroup " + cgroup + ": " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The containers the daemon created, from its data directory: docker ids are 64 hex digits, so unique. */
    private List<String> containerIds() {
        Path containers = root.resolve("data").resolve("containers");
        if (!Files.isDirectory(containers)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(containers)) {
            return entries.map(entry -> entry.getFileName().toString()).filter(id -> id.matches("[0-9a-f]{64}")).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + containers, e);
        }
    }
}
