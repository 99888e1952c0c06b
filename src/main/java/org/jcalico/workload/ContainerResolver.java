package org.jcalico.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandText;
import org.jcalico.util.Shown;

/**
 * Finds a container's network namespace from what a user typed: a docker container id or name, "pid:N",
 * "netns:NAME" (under /run/netns) or "netns:/PATH".
 */
public final class ContainerResolver {
    private static final String PID = "pid:";
    private static final String NETNS = "netns:";
    private static final Path NETNS_DIR = Path.of("/run/netns");
    private static final Pattern PID_NUMBER = Pattern.compile("[1-9][0-9]{0,9}");
    private static final Pattern NETNS_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private final DockerClient docker;

    public ContainerResolver(DockerClient docker) {
        this.docker = docker;
    }

    public ContainerNamespace resolve(String spec) {
        if (spec == null) {
            throw malformed(spec);
        }
        if (CommandText.hasControl(spec)) {
            // it would reach commands that root runs (nsenter) and the messages about them
            throw new WorkloadException("malformed container '" + Shown.value(spec) + "': it contains a control character");
        }
        if (spec.startsWith(PID)) {
            return byPid(spec, spec.substring(PID.length()));
        }
        if (spec.startsWith(NETNS)) {
            return byNetns(spec, spec.substring(NETNS.length()));
        }
        if (DockerClient.isIdOrName(spec)) {
            return byDocker(spec);
        }
        throw malformed(spec);
    }

    private static ContainerNamespace byPid(String spec, String pid) {
        if (!PID_NUMBER.matcher(pid).matches()) {
            throw malformed(spec);
        }
        Path path = Path.of("/proc", pid, "ns", "net");
        if (!Files.exists(path)) {
            throw new WorkloadException("no such process: " + pid + " (from '" + spec + "')");
        }
        return new ContainerNamespace(path, spec, "process " + pid);
    }

    private static ContainerNamespace byNetns(String spec, String target) {
        Path path;
        if (target.startsWith("/")) {
            path = Path.of(target);
        } else if (NETNS_NAME.matcher(target).matches()) {
            path = NETNS_DIR.resolve(target);
        } else {
            throw malformed(spec);
        }
        if (!Files.exists(path)) {
            throw new WorkloadException("no such network namespace: " + path + " (from '" + spec + "')");
        }
        if (!isNamespaceFile(path)) {
            throw new WorkloadException(path + " is not a network namespace (from '" + spec + "')");
        }
        return new ContainerNamespace(path, spec, "netns " + target);
    }

    private ContainerNamespace byDocker(String spec) {
        DockerContainer container = docker.inspect(spec);
        String description = "docker container " + container.name() + " (" + container.shortId() + ")";
        if (!container.running() || container.pid() <= 0) {
            throw new WorkloadException(description + " is not running");
        }
        return new ContainerNamespace(Path.of("/proc", Long.toString(container.pid()), "ns", "net"), container.id(),
                description);
    }

    /** Namespace files all live on the kernel's one nsfs device, whichever path they are reached by. */
    private static boolean isNamespaceFile(Path path) {
        try {
            return Files.getAttribute(path, "unix:dev").equals(Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:dev"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static WorkloadException malformed(String spec) {
        return new WorkloadException("malformed container '" + spec
                + "': expected a docker container id or name, pid:N, netns:NAME or netns:/PATH");
    }
}
