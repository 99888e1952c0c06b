package org.jcalico.workload;

/** What jcalico needs to know of a docker container: its full id, its name, and its main process if running. */
public record DockerContainer(String id, String name, boolean running, long pid) {
    /** The id as docker prints it. */
    public String shortId() {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
