package org.jcalico.workload;

import java.nio.file.Path;

/**
 * Where a container's network lives.
 *
 * @param path        the namespace file, absolute (/proc/PID/ns/net, /run/netns/NAME ...)
 * @param containerId what the endpoint record names the container by: docker's full id, or the spec ("pid:N",
 *                    "netns:NAME") for a container docker does not know
 * @param description how messages name the container, e.g. "docker container web (3f2a1b9c8d7e)"
 */
public record ContainerNamespace(Path path, String containerId, String description) {
    public ContainerNamespace {
        if (!path.isAbsolute()) {
            // ip(8) reads a netns argument without a slash as a name under /run/netns
            throw new IllegalArgumentException("namespace path must be absolute: " + path);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
