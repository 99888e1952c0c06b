package org.jcalico.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;

/**
 * A web server (busybox httpd, which daemonises) on a TCP port of a lab workload, for the demo's and the functional
 * tests' TCP probes. It runs as root in a namespace that shares the machine's files, so it serves an empty directory
 * in the lab's state directory, under /run, where only root can add a name: in /tmp, another user could take the name
 * first as a link to /etc or /root (or as a directory of theirs holding such links) and have root serve those files
 * to every workload. The directory goes with the lab's state at `lab down`.
 */
public final class WorkloadWebServer {
    private WorkloadWebServer() {
    }

    static Path root(LabLayout layout) {
        return layout.stateDir().resolve("www");
    }

    /** Starts one in NAMESPACE, a workload of the lab laid out as LAYOUT, on PORT. */
    public static void start(LabLayout layout, String namespace, int port) {
        try {
            Files.createDirectories(root(layout));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CommandRunner.inNamespace(namespace).run("busybox", "httpd", "-p", String.valueOf(port), "-h", root(layout).toString())
                .check();
    }
}
