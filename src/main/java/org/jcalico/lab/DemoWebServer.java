package org.jcalico.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;

/**
 * The web server on TCP port 80 of each demo workload, which the connectivity matrix's TCP probes reach. It runs as
 * root in a namespace that shares the machine's files, so it serves an empty directory in the lab's state directory,
 * under /run, where only root can add a name: in /tmp, another user could take the name first as a link to /etc or
 * /root (or as a directory of theirs holding such links) and have root serve those files to every workload.
 */
final class DemoWebServer {
    private DemoWebServer() {
    }

    static Path root(LabLayout layout) {
        return layout.stateDir().resolve("www");
    }

    static void start(LabLayout layout, String namespace) {
        try {
            Files.createDirectories(root(layout));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CommandRunner.inNamespace(namespace).run("busybox", "httpd", "-p", "80", "-h", root(layout).toString()).check();
    }
}
