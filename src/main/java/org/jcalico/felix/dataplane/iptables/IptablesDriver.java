package org.jcalico.felix.dataplane.iptables;

import java.util.List;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.util.Memo;

/**
 * Keeps one iptables version's jcalico-owned chains and hooks as desired, with one iptables-restore --noflush per
 * apply covering all tables. It works from what it last wrote; after {@link #forget()} (or a failure) it reads the
 * kernel back first, which repairs drift and sweeps what is no longer wanted.
 */
public final class IptablesDriver {
    private final CommandRunner runner;
    private final int version;
    /** With a thousand endpoints' chains desired, a small change then hashes only the chains new or different. */
    private final Memo<Chain, List<String>> hashes = Memo.byEquality(RuleHash::of);
    private IptablesSnapshot programmed;

    public IptablesDriver(CommandRunner runner, int version) {
        if (version != 4 && version != 6) {
            throw new IllegalArgumentException("IP version must be 4 or 6");
        }
        this.runner = runner;
        this.version = version;
    }

    /** The next apply starts from a read-back of the kernel rather than from what this driver believes it wrote. */
    public void forget() {
        programmed = null;
    }

    public Changes apply(IptablesState desired) {
        if (desired.version() != version) {
            throw new IllegalArgumentException("IPv" + desired.version() + " state given to the IPv" + version + " driver");
        }
        try {
            IptablesSnapshot before = programmed != null ? programmed : read();
            hashes.nextRound();
            IptablesUpdate update = IptablesPlanner.plan(desired, before, hashes::get);
            if (!update.isEmpty()) {
                programmed = null;
                runner.run(List.of(tool("restore"), "--noflush", "--wait"), update.restoreInput()).check();
            }
            programmed = update.after();
            return update.changes();
        } catch (KernelException e) {
            return Changes.failure(tool(""), e.getMessage());
        }
    }

    public IptablesSnapshot read() {
        return IptablesSaveParser.parse(runner.run(tool("save")).check().stdout());
    }

    /** "iptables-save", "ip6tables-restore", ... or the plain tool name for an empty suffix. */
    private String tool(String suffix) {
        String name = version == 4 ? "iptables" : "ip6tables";
        return suffix.isEmpty() ? name : name + "-" + suffix;
    }
}
