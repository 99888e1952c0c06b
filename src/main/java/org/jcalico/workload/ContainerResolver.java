package org.jcalico.workload;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.model.ValidationException;

/** Turns what a user calls a container (docker id or name, pid:N, netns:NAME, netns:/path) into its namespace. */
public final class ContainerResolver {
    private final DockerClient docker;

    public ContainerResolver(DockerClient docker) {
        this.docker = docker;
    }

    public ContainerNamespace resolve(String spec) {
        if (spec.startsWith("pid:")) {
            String pid = spec.substring(4);
            if (!pid.matches("[1-9][0-9]{0,9}")) {
                throw new ValidationException("container: '" + spec + "' is not pid:N with a process id");
            }
            Path path = Path.of("/proc", pid, "ns", "net");
            if (!Files.exists(path)) {
                throw new ValidationException("container: process " + pid + " does not exist");
            }
            return new ContainerNamespace(path.toString(), spec, "process " + pid);
        }
        if (spec.startsWith("netns:")) {
            String name = spec.substring(6);
            if (name.isEmpty()) {
                throw new ValidationException("container: '" + spec + "' names no namespace");
            }
            Path path = name.startsWith("/") ? Path.of(name) : Path.of("/run/netns", name);
            if (!name.startsWith("/") && (name.contains("/") || name.startsWith("."))) {
                throw new ValidationException("container: '" + name + "' is not a namespace name");
            }
            if (!Files.exists(path)) {
                throw new ValidationException("container: network namespace " + path + " does not exist");
            }
            return new ContainerNamespace(path.toString(), spec, "namespace " + path);
        }
        if (!spec.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new ValidationException("container: '" + spec + "' is not a docker id or name, pid:N, netns:NAME or netns:/path");
        }
        DockerClient.Container container = docker.inspect(spec);
        return new ContainerNamespace("/proc/" + container.pid() + "/ns/net", container.id(), "docker container " + container.name());
    }
}
