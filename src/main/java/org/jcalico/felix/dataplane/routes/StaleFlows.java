package org.jcalico.felix.dataplane.routes;

import java.util.List;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.ToolSession;
import org.jcalico.kernel.ToolShell;
import org.jcalico.model.IpAddress;

/**
 * Forgets the tracked connections of a local endpoint address that is gone. The endpoint chains accept a packet of
 * an established connection before any policy is read, so a later workload given the same address (IPAM hands it out
 * again, most often on the same host) would otherwise inherit the old workload's connections in both directions,
 * whatever its own policy says. Felix does the same when a workload's route goes (docs/dataplane.md, "Routes and
 * interfaces").
 */
final class StaleFlows {
    /** conntrack's exit code when nothing matched: the usual case, a container whose flows had ended. */
    private static final int NONE_MATCHED = 1;
    /** An endpoint's removal costs four conntrack runs: each a fork of a long-lived shell, not a JVM launch. */
    private final ToolShell shell;

    StaleFlows(CommandRunner runner) {
        this.shell = runner.shell();
    }

    /** Deletes the entries whose original source or destination is one of the addresses; failures are host problems. */
    Changes forget(List<IpAddress> addresses) {
        Changes changes = Changes.NONE;
        for (IpAddress address : addresses) {
            for (String side : List.of("-s", "-d")) {
                String error;
                try {
                    CommandRunner.Result result = shell.run(List.of("conntrack", "-D", side, address.toString()), "");
                    error = result.ok() || result.exitCode() == NONE_MATCHED ? null : result.describe();
                } catch (ToolSession.Ended e) {
                    error = e.getMessage();
                }
                if (error != null) {
                    changes = changes.plus(Changes.failure("conntrack",
                            "cannot delete the tracked connections of " + address + ", which is gone: " + error));
                }
            }
        }
        return changes;
    }
}
