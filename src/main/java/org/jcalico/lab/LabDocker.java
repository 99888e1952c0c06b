package org.jcalico.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Futures;

/**
 * The lab's docker daemons: one per host namespace (see {@link DockerDaemon}), each with the image
 * {@link LabLayout#DOCKER_IMAGE} and a plugin discovery directory of its own, as each machine of a real cluster has.
 * Daemons start and stop in parallel: each takes a second or two, mostly waiting.
 */
final class LabDocker {
    private final LabLayout layout;
    private final Consumer<String> progress;

    LabDocker(LabLayout layout, Consumer<String> progress) {
        this.layout = layout;
        this.progress = progress;
    }

    /** Starts the daemons of these hosts and imports the image into each; on failure the caller takes the lab down. */
    CompletableFuture<Void> start(List<Integer> hosts) {
        for (String tool : List.of("/usr/sbin/dockerd", "/usr/bin/containerd", DockerDaemon.DOCKER, BusyboxRootfs.BUSYBOX.toString())) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new ValidationException("--docker: " + tool + " is missing (Debian's docker.io and busybox-static provide what the lab runs)");
            }
        }
        Path image;
        try {
            // dockerd binds its /etc/docker over this mount point, which docker.io creates but may be gone; kept after
            // `lab down`, since the lab cannot know whether anything else came to rely on it meanwhile
            Files.createDirectories(Path.of("/etc/docker"));
            Path dir = layout.stateDir().resolve("image");
            Files.createDirectories(dir);
            image = BusyboxRootfs.tar(dir.resolve("rootfs"), dir.resolve("busybox.tar"));
        } catch (IOException e) {
            throw new KernelException("cannot build the busybox image: " + e.getMessage());
        }
        return CompletableFuture.allOf(hosts.stream().map(index -> CompletableFuture.runAsync(() -> {
            try {
                Files.createDirectories(layout.dockerPluginDir(index));
            } catch (IOException e) {
                throw new KernelException("cannot create " + layout.dockerPluginDir(index) + ": " + e.getMessage());
            }
            long begin = System.nanoTime();
            DockerDaemon daemon = DockerDaemon.start(layout.host(index), layout.dockerRoot(index), layout.etcDocker(index));
            daemon.importImage(image, LabLayout.DOCKER_IMAGE);
            progress.accept(String.format("dockerd on %s answers at %s with image %s (%.1f s)", layout.host(index),
                    daemon.socket(), LabLayout.DOCKER_IMAGE, (System.nanoTime() - begin) / 1e9));
        }, Thread::startVirtualThread)).toArray(CompletableFuture[]::new));
    }

    /** Waits for {@link #start}, rethrowing what failed as it was thrown. */
    static void await(CompletableFuture<Void> started) {
        Futures.joined(started);
    }

    /** Stops every daemon the lab has a root for, then removes the hosts' /etc/netns/HOST/docker. */
    void stopAll() {
        if (Files.isDirectory(layout.dockerRoots())) {
            try (Stream<Path> roots = Files.list(layout.dockerRoots())) {
                CompletableFuture.allOf(roots.map(root -> CompletableFuture.runAsync(() -> DockerDaemon.at(root).stop(),
                        Thread::startVirtualThread)).toArray(CompletableFuture[]::new)).join();
            } catch (IOException e) {
                throw new KernelException("cannot list " + layout.dockerRoots() + ": " + e.getMessage());
            }
        }
        if (Files.isDirectory(LabLayout.ETC_NETNS)) {
            try (Stream<Path> hosts = Files.list(LabLayout.ETC_NETNS)) {
                hosts.filter(host -> host.getFileName().toString().startsWith(layout.prefix())).forEach(host -> {
                    org.jcalico.util.Directories.delete(host.resolve("docker"));
                    // only when empty: other files there are not the lab's
                    host.toFile().delete();
                });
            } catch (IOException e) {
                throw new KernelException("cannot list " + LabLayout.ETC_NETNS + ": " + e.getMessage());
            }
        }
    }
}
