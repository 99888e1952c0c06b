package org.jcalico.felix.dataplane;

import java.util.Set;
import org.jcalico.kernel.BaseChain;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.NfTables;

/**
 * Whether a resync may skip reading the rules back: when the namespace's nf_tables generation ({@link NfTables})
 * is where it stood during the last resync, and that resync committed nothing (so it read, or already had, exactly
 * what the kernel held and found it as desired), then no transaction of anyone has changed any rule since: what the
 * drivers believe they wrote is what the kernel holds. Any commit in between (the agent's own applies, or another
 * program's rule) moves the generation, and the next resync reads everything back as before.
 *
 * <p>Only where iptables and ip6tables are the nf_tables ones (Debian's default): rules of iptables-legacy live
 * outside nf_tables and never move its generation, so with them every resync reads back. A generation that cannot be
 * read counts as unknown, which also reads back.
 */
final class RulesLeftAlone {
    private static final long UNKNOWN = -1;
    private final CommandRunner runner;
    private NfTables generation;
    private Boolean usable;
    /** The generation during the last resync that committed nothing, or UNKNOWN. */
    private long quiet = UNKNOWN;
    /** The generation when the resync under way started. */
    private long started = UNKNOWN;

    RulesLeftAlone(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * Before the first resync: whether the tools are nf_tables' (two forks) and the channel to the generation (a
     * thread, a socket, the JVM's first netlink calls linked), which the first resync otherwise set up before its
     * calculation could start: 55-85 ms of a cold pass's critical path on two cores (docs/dataplane.md, session 45).
     */
    void prepare() {
        read();
    }

    /** At the start of a resync: true when its rules need not be read back. */
    boolean atResyncStart() {
        started = read();
        return started != UNKNOWN && started == quiet;
    }

    /** At the end of the resync: remembers its generation if nothing was committed during it. */
    void atResyncEnd() {
        long now = read();
        quiet = started != UNKNOWN && now == started ? now : UNKNOWN;
    }

    /**
     * The forward hook's base chains that drop by policy ({@link NfTables#forwardDropping}), read on the generation's
     * channel, whose thread every resync keeps; null where there is none (iptables-legacy).
     */
    Set<BaseChain> forwardDropping() {
        return Boolean.TRUE.equals(usable) ? generation.forwardDropping() : null;
    }

    private long read() {
        try {
            if (usable == null) {
                usable = nfTables("iptables") && nfTables("ip6tables");
                generation = usable ? runner.nfTables() : null;
            }
            return usable ? generation.read() : UNKNOWN;
        } catch (KernelException e) {
            return UNKNOWN;
        }
    }

    private boolean nfTables(String tool) {
        CommandRunner.Result version = runner.run(tool, "-V");
        return version.ok() && version.stdout().contains("(nf_tables)");
    }
}
