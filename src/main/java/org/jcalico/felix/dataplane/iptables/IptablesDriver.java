package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.Isolation;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.util.Memo;

/**
 * Keeps one iptables version's jcalico-owned chains and hooks as desired, with one restore --noflush batch per
 * apply covering all tables ({@link IptablesRestore}: a change's batch goes to a long-lived restore). It works from
 * what it last wrote; after {@link #forget()} (or a failure) it reads the kernel back first, which repairs drift and
 * sweeps what is no longer wanted. A batch whose restore ended or answered oddly counts as refused, never as done.
 *
 * <p>When the kernel refuses that restore, one refused rule must not stop the whole host from being programmed, nor
 * open anything: the driver isolates it ({@link Isolation}), holding each isolable chain (one that only some
 * endpoints depend on) that differs from the kernel drop-only and releasing them in halves, each in a restore of its
 * own. Only the filter table holds isolable chains, so each release is one
 * table's COMMIT, which the kernel applies whole or not at all: a refused release leaves the kernel as it was.
 */
public final class IptablesDriver {
    /** What an isolated chain holds: the endpoints that depend on it are dropped, never let through. */
    static final List<String> DROP_ONLY = List.of("-j DROP");
    private final CommandRunner runner;
    private final IptablesRestore restore;
    private final int version;
    /**
     * With a thousand endpoints' chains desired, a small change then hashes only the chains new or different: a chain
     * calc kept is found by identity, one it made again (equal) by equality.
     */
    private final Memo<Chain, List<String>> equalHashes = Memo.byEquality(RuleHash::of);
    private final Memo<Chain, List<String>> hashes = Memo.byIdentity(equalHashes::get);
    private IptablesSnapshot programmed;
    /** Read on the agent's loop, asked by its status writer. */
    private volatile Set<String> unreadable = Set.of();
    /** The state whose writing made {@link #programmed}: calc hands the same object out again while it holds. */
    private IptablesState written;

    public IptablesDriver(CommandRunner runner, int version) {
        this(runner, version, new IptablesRestore(runner, tool(version, "restore")));
    }

    /** With restores applied by {@code restore}: for tests whose restore ends mid-batch. */
    IptablesDriver(CommandRunner runner, int version, IptablesRestore restore) {
        if (version != 4 && version != 6) {
            throw new IllegalArgumentException("IP version must be 4 or 6");
        }
        this.runner = runner;
        this.restore = restore;
        this.version = version;
    }

    /** The next apply starts from a read-back of the kernel rather than from what this driver believes it wrote. */
    public void forget() {
        programmed = null;
    }

    /**
     * Whether the kernel has every hook of WANTED's filter table in place, at the top of its built-in chain: the hooks
     * whose chains decide, and so filter a link that comes up. The security table's checks only drop what those
     * chains did not see, and an earlier version's rules without them (sessions 64 and 65 added them) filter all the
     * same: a start that took their absence for no rules wrote its guard over them and cut every endpoint's traffic
     * until its calculation ended. Reads the kernel back unless this driver knows what it holds, and keeps what it
     * read, so the next apply reads nothing again.
     */
    public boolean holdsHooks(IptablesState wanted) {
        readAgainIfUnseen(wanted);
        if (programmed == null) {
            programmed = read(wanted);
            written = null;
        }
        return IptablesPlanner.hooksInPlace(wanted.hooks().stream().filter(hook -> hook.table().equals("filter")).toList(),
                programmed);
    }

    /**
     * Whether an apply of DESIRED would write nothing: it is the very state this driver wrote last, and the kernel is
     * known to hold what that left.
     */
    public boolean holds(IptablesState desired) {
        return programmed != null && desired == written;
    }

    /**
     * What puts DESIRED's hold rules into the kernel's chains that lack them ({@link HoldPlanner}), or nothing when the
     * rules in force are this driver's writing (every state calc renders for iptables has them) or have them already.
     * Reads the kernel back unless this driver knows what it holds, and keeps what it read for the next apply, so a
     * restart over its own rules reads nothing more than before and writes nothing. The writer must run only once the
     * hold sets exist; a refused write, or rules that cannot be read back, is reported under "TOOL hold" (the apply then
     * writes no mixed change, nor rules).
     */
    public Optional<Supplier<Changes>> hold(IptablesState desired) {
        readAgainIfUnseen(desired);
        try {
            if (programmed == null) {
                programmed = read(desired);
                written = null;
            }
        } catch (KernelException unread) {
            // rules that cannot be read may lack the hold: it is not known to be in force
            return Optional.of(() -> Changes.failure(tool("") + " hold", unread.getMessage()));
        }
        if (written != null) {
            return Optional.empty();
        }
        IptablesUpdate update = HoldPlanner.plan(desired, programmed, hashes::get);
        if (update.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(() -> {
            try {
                write(update);
                programmed = update.after();
                return update.changes();
            } catch (KernelException refused) {
                programmed = null;
                return Changes.failure(tool("") + " hold", refused.getMessage());
            }
        });
    }

    /** @param isolable the chains that may be isolated when the kernel refuses them (see the class comment) */
    public Changes apply(IptablesState desired, Set<String> isolable) {
        return prepare(desired, isolable).get();
    }

    /**
     * The first half of {@link #apply}: reads the kernel back if need be and plans the restore, returning what writes
     * it. Planning needs nothing in the kernel but this driver's chains, so the caller may plan while the sets the new
     * rules refer to are still being filled, and write once they are. The next apply or prepare must come after the
     * write.
     */
    public Supplier<Changes> prepare(IptablesState desired, Set<String> isolable) {
        if (desired.version() != version) {
            throw new IllegalArgumentException("IPv" + desired.version() + " state given to the IPv" + version + " driver");
        }
        if (holds(desired)) {
            return () -> Changes.NONE;
        }
        readAgainIfUnseen(desired);
        IptablesSnapshot before;
        // what made BEFORE, when this driver wrote it: then only the chains calc made anew are planned
        IptablesState source = programmed != null ? written : null;
        try {
            before = programmed != null ? programmed : read(desired);
        } catch (KernelException e) {
            return () -> Changes.failure(tool(""), e.getMessage());
        }
        programmed = null;
        written = null;
        if (source == null) {
            // a round over every desired chain: the hashes of chains no longer desired are dropped. A change's round
            // asks only for its new chains, so it keeps the rest until the next such round (a resync's, which follows
            // any change), rather than dropping the hashes of the thousands it did not ask for
            hashes.nextRound();
            equalHashes.nextRound();
        }
        IptablesUpdate update;
        try {
            update = IptablesPlanner.plan(desired, before, source, hashes::get);
        } catch (KernelException refused) {
            // a rule refused before it reached the kernel (a control character) is isolated as one the kernel refused
            return () -> reported(() -> isolate(desired, isolable, refused));
        }
        return () -> reported(() -> {
            try {
                write(update);
            } catch (KernelException refused) {
                return isolate(desired, isolable, refused);
            }
            programmed = update.after();
            written = desired;
            return update.changes();
        });
    }

    /**
     * Plans DESIRED against what this driver last wrote, as {@link #prepare} would, and keeps nothing of it but the rule
     * hashes of this round (the next prepare's round starts from them): the kernel and this driver's view of it stay
     * as they were. Nothing when the driver does not know what the kernel holds.
     */
    public void rehearse(IptablesState desired) {
        if (programmed == null || desired.version() != version) {
            return;
        }
        try {
            IptablesPlanner.plan(desired, programmed, written, hashes::get);
        } catch (KernelException refused) {
            // a rule that no restore would take: the real apply isolates it; a rehearsal has nothing to do with it
        }
    }

    /** WORK's changes, or the whole batch's failure if it ended in a {@link KernelException}. */
    private Changes reported(Supplier<Changes> work) {
        try {
            return work.get();
        } catch (KernelException e) {
            return Changes.failure(tool(""), e.getMessage());
        }
    }

    /**
     * The kernel's jcalico-owned part, read back for an apply of DESIRED. A table iptables-save leaves out as
     * incompatible (another program's nft rules in it) fails the read, unless DESIRED wants nothing in it and nf_tables
     * names no chain of jcalico's there (the nftables driver's removal of these rules, or a mangle table under the
     * iptables driver): with no jc- chain, no rule of the table can jump to one, so it holds nothing of jcalico's and
     * the read is the other tables'; such a table is then {@link #unreadable()}.
     */
    private IptablesSnapshot read(IptablesState desired) {
        try {
            IptablesSnapshot read = IptablesSaveParser.parse(runner.run(tool("save")).check().stdout());
            unreadable = Set.of();
            return read;
        } catch (UnreadableTables e) {
            unreadable = Set.of();
            for (String table : e.tables()) {
                if (wants(desired, table) || runner.nfTables().chains(family(), table).stream()
                        .anyMatch(chain -> chain.startsWith(HostState.OWNED_PREFIX))) {
                    throw e;
                }
            }
            unreadable = e.tables();
            return e.readable();
        }
    }

    /**
     * The tables the last read-back found that iptables-save cannot show and that hold nothing of jcalico's (see
     * {@link #read(IptablesState)}): nothing for this driver to do there now, but the iptables driver could not
     * program one it needs (filter, nat) while it stays so.
     */
    public Set<String> unreadable() {
        return unreadable;
    }

    /**
     * What was read back without a table iptables-save cannot show is no base for a state that wants something there:
     * the kernel is read again for it (which fails while the table stays so).
     */
    private void readAgainIfUnseen(IptablesState desired) {
        if (unreadable.stream().anyMatch(table -> wants(desired, table))) {
            programmed = null;
            written = null;
        }
    }

    /** Whether DESIRED has a chain or a hook in TABLE. */
    private static boolean wants(IptablesState desired, String table) {
        return !desired.chains(table).isEmpty() || desired.hooks().stream().anyMatch(hook -> hook.table().equals(table));
    }

    /** nf_tables' family of this version's tables, as nft names it. */
    private String family() {
        return version == 4 ? "ip" : "ip6";
    }

    private IptablesUpdate write(IptablesState desired, IptablesSnapshot before) {
        return write(IptablesPlanner.plan(desired, before, hashes::get));
    }

    private IptablesUpdate write(IptablesUpdate update) {
        if (!update.isEmpty()) {
            restore.apply(update.restoreInput());
        }
        return update;
    }

    private Changes isolate(IptablesState desired, Set<String> isolable, KernelException refused) {
        IptablesSnapshot observed = read(desired);
        List<String> suspects = new ArrayList<>();
        desired.tables().forEach((table, chains) -> chains.values().forEach(chain -> {
            if (isolable.contains(chain.name())
                    && !hashes.get(chain).equals(observed.table(table).chains().get(chain.name()))) {
                suspects.add(chain.name());
            }
        }));
        if (suspects.isEmpty()) {
            throw refused;
        }
        Isolation.Written<IptablesSnapshot> isolated = Isolation.isolate(suspects,
                held -> Isolation.dropOnly(desired, held, DROP_ONLY), observed, (state, kernel) -> {
                    IptablesUpdate update = write(state, kernel);
                    return new Isolation.Written<>(update.after(), update.changes());
                });
        programmed = isolated.kernel();
        return isolated.changes();
    }

    private String tool(String suffix) {
        return tool(version, suffix);
    }

    /** "iptables-save", "ip6tables-restore", ... or the plain tool name for an empty suffix. */
    private static String tool(int version, String suffix) {
        String name = version == 4 ? "iptables" : "ip6tables";
        return suffix.isEmpty() ? name : name + "-" + suffix;
    }
}
