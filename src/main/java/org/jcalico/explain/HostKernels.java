package org.jcalico.explain;

import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Lab;

/**
 * Where a node's kernel can be read from here: this host's own (the node this command runs as), or, in a lab, the
 * network namespace that is the node's host. Other nodes' kernels are out of reach: explain says so.
 *
 * @param lab the lab whose hosts are namespaces on this machine, or null
 */
public record HostKernels(String localNode, Lab lab) {
    /** The runner for commands in the node's host, or null when it is out of reach. */
    public CommandRunner runner(String node) {
        if (lab != null) {
            try {
                return CommandRunner.inNamespace(lab.layout().host(lab.hostIndex(node)));
            } catch (org.jcalico.model.ValidationException e) {
                return null;
            }
        }
        return node.equals(localNode) ? CommandRunner.local() : null;
    }
}
