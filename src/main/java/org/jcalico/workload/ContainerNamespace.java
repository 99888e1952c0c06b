package org.jcalico.workload;

import java.nio.file.Path;
import org.jcalico.kernel.CommandText;
import org.jcalico.util.Shown;

/**
 * Where a container's network lives.
 *
 * @param path        the namespace file, absolute (/proc/PID/ns/net, /run/netns/NAME ...)
 * @param containerId what the endpoint record names the container by: docker's full id, or the spec ("pid:N",
 *                    "netns:NAME") for a container docker does not know
 * @param description how messages name the container, e.g. "docker container web (3f2a1b9c8d7e)"
 */
public record ContainerNamespace(Path path, String containerId, String description) {
    /** One plain word: no blank, quote, backslash or comment sign, and no control character. */
    private static final java.util.regex.Pattern BATCH_WORD = java.util.regex.Pattern.compile("[^\\s\\p{Cntrl}\"'\\\\#]+");

    public ContainerNamespace {
        if (!path.isAbsolute()) {
            // ip(8) reads a netns argument without a slash as a name under /run/netns
            throw new IllegalArgumentException("namespace path must be absolute: " + path);
        }
        if (!BATCH_WORD.matcher(path.toString()).matches() || CommandText.hasControl(path.toString())) {
            // the path reaches commands that root runs (nsenter --net=PATH) and every message about the container: a
            // plain word cannot end or add to either
            throw new WorkloadException("cannot attach to the namespace at '" + Shown.value(path.toString())
                    + "': its path contains a blank, quote, backslash, '#' or control character");
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
