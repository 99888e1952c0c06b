package org.jcalico.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.kernel.CommandRunner;

/**
 * A docker daemon of the test's own, inside one of its namespaces (never the root namespace's), with its own data
 * and exec roots, and a tiny image imported from a busybox root filesystem (no registry is reachable).
 */
public final class DockerFixture implements AutoCloseable {
    public static final String IMAGE = "jct-busybox:latest";
    private final Path root;
    private final Process daemon;

    private DockerFixture(Path root, Process daemon) {
        this.root = root;
        this.daemon = daemon;
    }

    public static DockerFixture start(String namespace, Path root) throws IOException, InterruptedException {
        Files.createDirectories(root);
        Process daemon = new ProcessBuilder("nsenter", "--net=/run/netns/" + namespace, "--", "dockerd",
                "--data-root", root.resolve("data").toString(), "--exec-root", root.resolve("exec").toString(),
                "-H", "unix://" + root.resolve("docker.sock"), "--pidfile", root.resolve("docker.pid").toString(),
                "--bridge=none", "--iptables=false", "--ip-masq=false")
                .redirectErrorStream(true).redirectOutput(root.resolve("dockerd.log").toFile()).start();
        DockerFixture fixture = new DockerFixture(root, daemon);
        long deadline = System.currentTimeMillis() + 30_000;
        while (!fixture.docker("info").ok()) {
            if (System.currentTimeMillis() > deadline || !daemon.isAlive()) {
                fixture.close();
                throw new IllegalStateException("dockerd did not start: " + Files.readString(root.resolve("dockerd.log")));
            }
            Thread.sleep(100);
        }
        fixture.importBusybox();
        return fixture;
    }

    public String socket() {
        return root.resolve("docker.sock").toString();
    }

    public CommandRunner.Result docker(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("docker", "-H", "unix://" + socket()));
        command.addAll(List.of(args));
        return CommandRunner.local().run(command);
    }

    private void importBusybox() throws IOException {
        Path rootfs = root.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String tool : List.of("sh", "ip", "ping", "sleep", "httpd")) {
            Files.deleteIfExists(rootfs.resolve("bin").resolve(tool));
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(tool), Path.of("busybox"));
        }
        CommandRunner.Result tar = CommandRunner.local().run("sh", "-c", "tar -C " + rootfs + " -c . | docker -H unix://"
                + socket() + " import - " + IMAGE);
        tar.check();
    }

    /** Stops the daemon (and with it its containers) and removes its mounts and files. */
    @Override
    public void close() {
        CommandRunner.local().run("sh", "-c", "docker -H unix://" + socket() + " ps -aq | xargs -r docker -H unix://"
                + socket() + " rm -f");
        daemon.destroy();
        try {
            daemon.waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        daemon.destroyForcibly();
        CommandRunner.local().run("sh", "-c", "grep ' " + root + "' /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l");
        CommandRunner.local().run("rm", "-rf", root.toString());
    }
}
