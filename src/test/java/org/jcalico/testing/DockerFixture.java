package org.jcalico.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Mounts;
import org.jcalico.lab.BusyboxRootfs;
import org.jcalico.workload.DockerClient;

/**
 * A docker daemon of the test's own, running inside a network namespace the test created, with every file it writes
 * (data, runtime state, socket, pid file, log) under one root directory, and a busybox image imported as
 * {@link #IMAGE}. Closing it removes its containers, stops the daemon and deletes the root; starting one first
 * removes what an interrupted run left under the same root.
 */
public final class DockerFixture implements AutoCloseable {
    public static final String IMAGE = "jct-busybox:latest";
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final long STOP_TIMEOUT_SECONDS = 10;
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
    // deep enough for v1 (controller/docker/ID) and v2 (docker/ID or system.slice/docker-ID.scope)
    private static final int CGROUP_DEPTH = 3;
    private final Path root;
    private final Process daemon;
    private long startMillis;
    private long imageMillis;

    private DockerFixture(Path root, Process daemon) {
        this.root = root;
        this.daemon = daemon;
    }

    /**
     * Starts dockerd inside the (existing) namespace with its state under root, an absolute path kept short: the
     * runtime's unix sockets live below it and a socket path may not exceed 107 bytes.
     */
    public static DockerFixture start(String namespace, Path root) throws IOException, InterruptedException {
        removeLeftovers(root);
        Files.createDirectories(root);
        // an empty configuration, so that the machine's /etc/docker/daemon.json cannot change the daemon under test
        Files.writeString(root.resolve("daemon.json"), "{}");
        List<String> dockerd = List.of("dockerd", "--config-file", root.resolve("daemon.json").toString(),
                "--data-root", root.resolve("data").toString(), "--exec-root", root.resolve("exec").toString(),
                "-H", "unix://" + root.resolve("docker.sock"), "--pidfile", root.resolve("dockerd.pid").toString(),
                "--bridge=none", "--iptables=false", "--ip6tables=false",
                // a daemon stopped with containers still running waits this long for them before killing them
                "--shutdown-timeout", "1",
                // vfs needs no mounts, so an interrupted run leaves only plain files behind
                "--storage-driver", "vfs");
        long begin = System.nanoTime();
        Process daemon = new ProcessBuilder(CommandRunner.inNamespace(namespace).command(dockerd))
                .redirectErrorStream(true).redirectOutput(root.resolve("dockerd.log").toFile()).start();
        DockerFixture fixture = new DockerFixture(root, daemon);
        try {
            fixture.awaitApi();
            fixture.startMillis = (System.nanoTime() - begin) / 1_000_000;
            long importing = System.nanoTime();
            Path archive = BusyboxRootfs.tar(root.resolve("rootfs"), root.resolve("rootfs.tar"));
            fixture.docker("import", archive.toString(), IMAGE).check();
            fixture.imageMillis = (System.nanoTime() - importing) / 1_000_000;
        } catch (IOException | RuntimeException | InterruptedException e) {
            fixture.close();
            throw e;
        }
        return fixture;
    }

    /** The daemon's API socket, for DOCKER_HOST=unix://SOCKET. */
    public String socket() {
        return root.resolve("docker.sock").toString();
    }

    /** Runs the docker command against this daemon. */
    public CommandRunner.Result docker(String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "--config", root.resolve("cli").toString(),
                "-H", "unix://" + socket()));
        command.addAll(List.of(args));
        return CommandRunner.local().run(command);
    }

    /** From starting dockerd to its API answering. */
    public long startMillis() {
        return startMillis;
    }

    /** Building the busybox rootfs and importing it as {@link #IMAGE}. */
    public long imageMillis() {
        return imageMillis;
    }

    @Override
    public void close() {
        if (daemon.isAlive()) {
            String containers = docker("ps", "-aq").stdout().strip();
            if (!containers.isEmpty()) {
                List<String> remove = new ArrayList<>(List.of("rm", "-f"));
                remove.addAll(List.of(containers.split("\\s+")));
                docker(remove.toArray(String[]::new));
            }
            stop(daemon.toHandle());
        }
        removeLeftovers(root);
    }

    /**
     * Removes what a daemon rooted here left behind: the daemon (found by its pid file), its containerd and shims
     * (found by the root in their command lines), its containers' processes (by their cgroups), its mounts, then the
     * files.
     */
    public static void removeLeftovers(Path root) {
        Path pidFile = root.resolve("dockerd.pid");
        if (Files.exists(pidFile)) {
            try {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
                        .filter(process -> belongsTo(process.pid(), root))
                        .ifPresent(DockerFixture::stop);
            } catch (IOException | NumberFormatException e) {
                // an unreadable pid file: the sweep below still finds the daemon by its command line
            }
        }
        List<String> containers = containerIds(root);
        ProcessHandle.allProcesses().filter(process -> belongsTo(process.pid(), root) || runsOneOf(process.pid(), containers))
                .forEach(process -> {
                    process.destroyForcibly();
                    process.onExit().orTimeout(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).exceptionally(e -> null).join();
                });
        removeCgroups(containers);
        Mounts.unmountUnder(root);
        if (Files.exists(root)) {
            // never cross into another file system, should a mount have survived
            CommandRunner.local().run("rm", "-rf", "--one-file-system", root.toString()).check();
        }
    }

    private void awaitApi() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT_MILLIS * 1_000_000;
        Path socket = root.resolve("docker.sock");
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                throw new IOException("dockerd exited with status " + daemon.exitValue() + ": " + logTail());
            }
            if (Files.exists(socket) && new DockerClient(socket).answers()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new IOException("dockerd did not answer within " + START_TIMEOUT_MILLIS + " ms: " + logTail());
    }

    private String logTail() throws IOException {
        List<String> lines = Files.readAllLines(root.resolve("dockerd.log"));
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    /** Asks politely first: a daemon that stops on its own unmounts what it mounted. */
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

    /** The daemon, its containerd and the shims all name the root in their command lines. */
    private static boolean belongsTo(long pid, Path root) {
        try {
            String commandLine = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
            return commandLine.contains(root + "/");
        } catch (IOException e) {
            return false;
        }
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
    private static List<String> containerIds(Path root) {
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
