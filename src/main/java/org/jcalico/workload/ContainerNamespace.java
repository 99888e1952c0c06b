package org.jcalico.workload;

/**
 * Where a container's network lives: the namespace file, the id to record for the container, and how to name it
 * in messages.
 */
public record ContainerNamespace(String path, String containerId, String description) {
}
