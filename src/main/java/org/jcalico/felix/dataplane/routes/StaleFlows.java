package org.jcalico.felix.dataplane.routes;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Conntrack;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.kernel.ToolSession;
import org.jcalico.kernel.ToolShell;
import org.jcalico.model.IpAddress;

/**
 * Forgets the tracked connections of a local endpoint address that is gone. The endpoint chains accept a packet of
 * an established connection before any policy is read, so a later workload given the same address (IPAM hands it out
 * again, most often on the same host) would otherwise inherit the old workload's connections in both directions,
 * whatever its own policy says. Felix does the same when a workload's route goes (docs/dataplane.md, "Routes and
 * interfaces").
 *
 * <p>In-process over ctnetlink ({@link Conntrack}): an endpoint's removal cost two runs of the conntrack tool per
 * address, each a fork and about 6 ms of CPU, on the 2 cores a `docker run`'s exit shares with it. A kernel that
 * refuses the filtered deletion (before Linux 6.12) gets the tool, as before, from then on; since session 63 IPv6
 * addresses are forgotten in process too (by their connections' tuples, the kernel's IPv6 filter being wrong).
 */
final class StaleFlows {
    /** conntrack's exit code when nothing matched: the usual case, a container whose flows had ended. */
    private static final int NONE_MATCHED = 1;
    private final Conntrack conntrack;
    private final ToolShell shell;
    /** Whether the kernel refused a filtered deletion: the tool does every one after. */
    private volatile boolean toolOnly;

    StaleFlows(CommandRunner runner) {
        this.conntrack = runner.conntrack();
        this.shell = runner.shell();
    }

    /** Deletes the entries whose original source or destination is one of the addresses; failures are host problems. */
    Changes forget(List<IpAddress> addresses) {
        if (!toolOnly && !addresses.isEmpty()) {
            try {
                conntrack.forget(addresses.stream().map(StaleFlows::inet).toList());
                return Changes.NONE;
            } catch (Conntrack.Unsupported e) {
                toolOnly = true;
            } catch (Rtnetlink.Interrupted e) {
                // which deletions took effect is unknown: the tool does them all again (deleting twice does no harm)
            }
        }
        return withTool(addresses);
    }

    /**
     * The addresses SCOPE covers on either side of a tracked connection's original direction, less those it says are
     * held elsewhere: one dump of the table, in process, filtered as it is read.
     *
     * @throws KernelException when the table cannot be read (no conntrack netlink)
     */
    Set<IpAddress> tracked(StrayScope scope) {
        Set<IpAddress> tracked = conntrack.addresses(address -> {
            IpAddress read = IpAddress.ofBytes(address);
            return scope.covers(read) ? read : null;
        });
        tracked.removeAll(scope.heldElsewhere(tracked));
        return tracked;
    }

    private Changes withTool(List<IpAddress> addresses) {
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

    /** An address literal: no name is looked up. */
    private static InetAddress inet(IpAddress address) {
        try {
            return InetAddress.getByName(address.toString());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address + ": " + e.getMessage(), e);
        }
    }
}
