package org.jcalico.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.BusyboxRootfs;
import org.jcalico.lab.DockerDaemon;

/**
 * A docker daemon of the test's own (a {@link DockerDaemon}) inside a network namespace the test created, with a
 * busybox image imported as {@link #IMAGE}. Closing it removes its containers, stops the daemon and deletes its root;
 * starting one first removes what an interrupted run left under the same root.
 */
public final class DockerFixture implements AutoCloseable {
    public static final String IMAGE = "jct-busybox:latest";
    private final DockerDaemon daemon;
    private final long startMillis;
    private final long imageMillis;

    private DockerFixture(DockerDaemon daemon, long startMillis, long imageMillis) {
        this.daemon = daemon;
        this.startMillis = startMillis;
        this.imageMillis = imageMillis;
    }

    /** Starts the daemon inside the (existing) namespace with its state under root (see {@link DockerDaemon#start}). */
    public static DockerFixture start(String namespace, Path root) throws IOException, InterruptedException {
        return start(namespace, root, null);
    }

    /** The same, with etcDocker as the daemon's /etc/docker: it finds plugins in etcDocker/plugins, not the machine's. */
    public static DockerFixture start(String namespace, Path root, Path etcDocker) throws IOException, InterruptedException {
        return start(namespace, root, etcDocker, false);
    }

    /** The same; with OWN_FIREWALL dockerd writes its iptables rules and makes docker0, as by default on a host. */
    public static DockerFixture start(String namespace, Path root, Path etcDocker, boolean ownFirewall)
            throws IOException, InterruptedException {
        long begin = System.nanoTime();
        DockerDaemon daemon = DockerDaemon.start(namespace, root, etcDocker, ownFirewall);
        long started = System.nanoTime();
        try {
            daemon.importImage(BusyboxRootfs.tar(root.resolve("rootfs"), root.resolve("rootfs.tar")), IMAGE);
        } catch (IOException | RuntimeException e) {
            daemon.stop();
            throw e;
        }
        return new DockerFixture(daemon, (started - begin) / 1_000_000, (System.nanoTime() - started) / 1_000_000);
    }

    /** Stops dockerd as a service manager would and starts it again (see {@link DockerDaemon#restart}). */
    public void restart() {
        daemon.restart();
    }

    /** Kills the daemon as a crash would and starts it again on its state (see {@link DockerDaemon#killAndRestart}). */
    public void killAndRestart() {
        daemon.killAndRestart();
    }

    /** The daemon's API socket, for DOCKER_HOST=unix://SOCKET. */
    public String socket() {
        return daemon.socket().toString();
    }

    /** Runs the docker command against this daemon. */
    public CommandRunner.Result docker(String... args) {
        return daemon.docker(args);
    }

    /** From starting containerd and dockerd to dockerd's API answering. */
    public long startMillis() {
        return startMillis;
    }

    /** Building the busybox rootfs and importing it as {@link #IMAGE}. */
    public long imageMillis() {
        return imageMillis;
    }

    @Override
    public void close() {
        daemon.stop();
    }

    /** Removes what a daemon rooted here left behind (see {@link DockerDaemon#stop}). */
    public static void removeLeftovers(Path root) {
        DockerDaemon.at(root).stop();
    }
}
