package org.jcalico.felix.dataplane.nftables;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.Isolation;
import org.jcalico.felix.dataplane.nftables.NftablesPlanner.Plan;
import org.jcalico.felix.dataplane.nftables.NftablesPlanner.Tables;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.kernel.BaseChain;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.NfTables;
import org.jcalico.kernel.Nft;

/**
 * Keeps jcalico's nftables tables ({@code ip jcalico}, {@code ip6 jcalico}: chains, sets and the base chains that
 * hook them) as desired, with one nft script per apply (two: below) ({@link Nft}: libnftables in-process, or {@code nft -f -}),
 * which the kernel applies as one transaction, whole or not at all. It works from what it last wrote; after {@link #forget()} it replaces both tables whole, which repairs
 * drift and sweeps what is no longer wanted. It never touches another table.
 *
 * <p>When the kernel refuses a transaction, nothing of it was applied, and one refused rule must neither stop the
 * host from being programmed nor open anything: as the iptables driver does ({@link Isolation}), it holds each
 * isolable chain that differs from what the kernel holds drop-only and releases them in halves, each in a transaction
 * of its own. A transaction refused with every such chain held drop-only (a
 * shared chain, a set's element) is reported under "nftables" and leaves the kernel as it was.
 *
 * <p>A change that loosens a set of one polarity, or dispatches to a chain it adds, is two transactions ({@link NftablesPlanner}: a packet can meet a
 * transaction's sets part before and part after it); the second refused leaves the first's state, tighter than the
 * change's, and is reported under "nftables". An endpoint's dispatch element that moves to a chain the change adds
 * stays on its old chain through the first and moves in a transaction between the two (the repoint). A change of a MIXED set holds the addresses it moves first, in a
 * transaction of its own, and releases them with the second; a hold the kernel refuses writes no change at all
 * (reported under "nftables"; the next apply replaces the tables).
 */
public final class NftablesDriver {
    /** The failure key of a whole transaction refused. */
    public static final String TOOL = "nftables";
    static final List<String> DROP_ONLY = List.of("drop");
    /**
     * The script's size (characters) from which its transaction is followed by {@link NftablesPlanner#settle()}: an
     * endpoint's add is about 1,000, the first pass's transaction for 1,000 endpoints 1.1 million.
     */
    static final int SETTLE_AFTER = 64 << 10;
    private final Nft nft;
    private final NfTables tables;
    /** What the kernel holds, as this driver wrote it; null when not known. */
    private Tables programmed;
    /** How the rules in force match each set, as calc said when this driver wrote them; null when not known. */
    private Map<String, SetPolarity> inForce;
    /** For tests: given each transaction of an apply's delta just before it is written (see {@link #probeTransactions}). */
    private Consumer<String> probe = script -> { };
    /** Whether the kernel is known to hold no table of jcalico's (after {@link #remove}). */
    private boolean removed;
    private final EstablishedPath established = new EstablishedPath();

    public NftablesDriver(CommandRunner runner) {
        this.nft = runner.nft();
        this.tables = runner.nfTables();
    }

    /** Whether CHAIN is in one of jcalico's tables (ip and ip6 "jcalico", and the bridge while it is replaced). */
    public static boolean owns(BaseChain chain) {
        return (NftablesPlanner.TABLE.equals(chain.table()) || NftablesPlanner.BRIDGE.equals(chain.table())) && (NftablesPlanner.family(4).equals(chain.family()) || NftablesPlanner.family(6).equals(chain.family()));
    }

    /** jcalico's tables as nft names them ("ip jcalico"): those {@link #owns} speaks of. */
    private static final Set<String> TABLES = Set.of(NftablesPlanner.family(4) + " " + NftablesPlanner.TABLE,
            NftablesPlanner.family(6) + " " + NftablesPlanner.TABLE, NftablesPlanner.family(4) + " " + NftablesPlanner.BRIDGE,
            NftablesPlanner.family(6) + " " + NftablesPlanner.BRIDGE);

    /** Whether TABLE, as nft names it ("ip6 jcalico"), is one of jcalico's. */
    public static boolean ownsTable(String table) {
        return TABLES.contains(table);
    }

    /** The next apply replaces both tables whole; the next {@link #remove} looks again. */
    public void forget() {
        programmed = null;
        inForce = null;
        removed = false;
    }

    /** @param isolable the chains that may be isolated when the kernel refuses them (see the class comment) */
    public Changes apply(HostState desired, Set<String> isolable) {
        Tables wanted = wanted(desired);
        if (programmed != null && NftablesPlanner.sameObjects(programmed, wanted)) {
            return Changes.NONE;
        }
        Tables before = programmed;
        Plan plan;
        try {
            plan = plan(wanted, before, joined(inForce, desired.polarities()));
        } catch (KernelException e) {
            return Changes.failure(TOOL, "cannot list the nftables tables: " + e.getMessage());
        }
        programmed = null;
        inForce = null;
        removed = false;
        if (!plan.hold().isEmpty()) {
            probe.accept(plan.hold());
            CommandRunner.Result held = nft.apply(plan.hold());
            if (!held.ok()) {
                // nothing written: a mixed set's change unheld could let through what before and after deny
                return Changes.failure(TOOL, "no change written: the kernel refused the hold of the addresses whose"
                        + " membership of a set matched both to allow and to deny changes: " + held.describe());
            }
        }
        try {
            write(plan);
        } catch (KernelException refused) {
            Changes isolated = isolate(wanted, before, isolable, refused);
            Tables kept = programmed;
            programmed = null;
            // whatever the isolation wrote was written under the hold (the same sets' changes); now released
            Changes done = released(plan.release(), isolated);
            programmed = done == isolated ? kept : null;
            return done;
        }
        if (!plan.repoint().isEmpty()) {
            probe.accept(plan.repoint());
            CommandRunner.Result moved = nft.apply(plan.repoint());
            if (!moved.ok()) {
                // the first transaction's state stands, tighter than the change's; loosening or releasing the hold
                // over the old chains could let through what the change denies: the next apply replaces the tables
                return plan.changes().plus(Changes.failure(TOOL, moved.describe()));
            }
        }
        // the kernel keeps the earlier transactions' state, tighter than the change's, if it refuses the rest
        Changes done = released(plan.later() + plan.release(), plan.changes());
        if (done == plan.changes()) {
            programmed = wanted;
            inForce = desired.polarities();
        }
        return done;
    }

    /** What the driver writes for DESIRED: its chains with the established packets' short way ({@link EstablishedPath}). */
    private Tables wanted(HostState desired) {
        return new Tables(established.of(desired.ipv4()), established.of(desired.ipv6()), desired.ipSets());
    }

    /**
     * SCRIPT (what loosens and what releases the hold) written after WRITTEN's transaction; refused, WRITTEN with
     * the refusal, and the next apply replaces the tables (which empties the hold sets).
     */
    private Changes released(String script, Changes written) {
        if (script.isEmpty()) {
            return written;
        }
        probe.accept(script);
        CommandRunner.Result result = nft.apply(script);
        return result.ok() ? written : written.plus(Changes.failure(TOOL, result.describe()));
    }

    /**
     * Each set's polarity under the rules IN_FORCE (null: not known, when every set counts as MIXED) and the COMING
     * ones: the rules switch inside the first transaction, so its set changes must tighten for both.
     */
    private static Map<String, SetPolarity> joined(Map<String, SetPolarity> inForce, Map<String, SetPolarity> coming) {
        if (inForce == null) {
            return Map.of();
        }
        Map<String, SetPolarity> joined = new HashMap<>(inForce);
        coming.forEach((set, polarity) -> joined.merge(set, polarity, SetPolarity::join));
        return joined;
    }

    /**
     * Whether the kernel has every hook of WANTED in force in jcalico's tables (listed over netlink, nothing written):
     * a base chain for each hook point, in a table that is neither dormant nor owned by another program.
     */
    public boolean holdsHooks(HostState wanted) {
        for (int version : List.of(4, 6)) {
            String[] table = NftablesPlanner.table(version).split(" ");
            Set<String> inForce = tables.baseChainsInForce(table[0], table[1]);
            if (!(version == 4 ? wanted.ipv4() : wanted.ipv6()).hooks().stream().map(NftablesPlanner::baseChain).allMatch(inForce::contains)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Plans DESIRED's transaction against what this driver last wrote, as {@link #apply} would, and writes nothing:
     * the kernel and this driver's view of it stay as they were. Nothing when the driver does not know what the kernel
     * holds.
     */
    public void rehearse(HostState desired) {
        if (programmed == null) {
            return;
        }
        try {
            NftablesPlanner.delta(programmed, wanted(desired),
                    joined(inForce, desired.polarities()));
        } catch (KernelException refused) {
            // a rule that no transaction would take: the real apply isolates it; a rehearsal has nothing to do with it
        }
    }

    /**
     * For tests: PROBE is given each transaction's script just before it is written, so that a test can put the
     * kernel through the states a packet traversing the rules during that transaction may meet (null: none).
     */
    public void probeTransactions(Consumer<String> probe) {
        this.probe = probe == null ? script -> { } : probe;
    }

    /** The forward hook's base chains, of any program, that drop by policy ({@link NfTables#forwardDropping}). */
    public Set<BaseChain> forwardDropping() {
        return tables.forwardDropping();
    }

    /** Both of jcalico's tables gone (when the other driver programs the kernel); nothing if nft is not installed. */
    public Changes remove() {
        if (removed) {
            return Changes.NONE;
        }
        String script;
        try {
            script = NftablesPlanner.removeAll(tables.tables());
        } catch (KernelException e) {
            return Changes.failure(TOOL, "cannot list the nftables tables: " + e.getMessage());
        }
        if (!script.isEmpty()) {
            CommandRunner.Result result = nft.apply(script);
            if (!result.ok() && result.exitCode() != 127) {
                return Changes.failure(TOOL, result.describe());
            }
        }
        programmed = null;
        removed = true;
        return Changes.NONE;
    }

    /** WANTED's plan from BEFORE (null: not known, the tables replaced, bridged over those the kernel holds). */
    private Plan plan(Tables wanted, Tables before, Map<String, SetPolarity> polarities) {
        Plan plan = before == null ? null : NftablesPlanner.delta(before, wanted, polarities);
        return plan == null ? NftablesPlanner.replace(wanted, tables.tables()) : plan;
    }

    /** PLAN's bridge and main transaction written (the whole change if it has neither a hold nor a later one). */
    private void write(Plan plan) {
        if (!plan.bridge().make().isEmpty()) {
            probe.accept(plan.bridge().make());
            nft.apply(plan.bridge().make()).check();
        }
        try {
            writeScript(plan);
        } finally {
            // also after a refused replace: the tables in force stand, and a bridge left would hold later changes back
            if (!plan.bridge().remove().isEmpty()) {
                probe.accept(plan.bridge().remove());
                nft.apply(plan.bridge().remove()).check();
            }
        }
    }

    private void writeScript(Plan plan) {
        if (!plan.script().isEmpty()) {
            probe.accept(plan.script());
            nft.apply(plan.script()).check();
            if (plan.script().length() >= SETTLE_AFTER) {
                // libnftables keeps every object a script added in its cache until the next script, which frees it;
                // after a large one that freeing fell to the next endpoint's add: done now, on the context's thread
                nft.applyLater(NftablesPlanner.settle());
            }
        }
    }

    private Changes isolate(Tables wanted, Tables before, Set<String> isolable, KernelException refused) {
        List<String> suspects = new ArrayList<>();
        for (int version : List.of(4, 6)) {
            IptablesState held = before == null ? null : before.family(version);
            wanted.family(version).tables().forEach((table, chains) -> chains.values().forEach(chain -> {
                Chain kept = held == null ? null : held.chains(table).get(chain.name());
                if (isolable.contains(chain.name()) && !chain.equals(kept) && !suspects.contains(chain.name())) {
                    suspects.add(chain.name());
                }
            }));
        }
        if (suspects.isEmpty()) {
            return Changes.failure(TOOL, refused.getMessage());
        }
        Isolation.Written<Tables> isolated;
        try {
            // the short way derived again from the chains as held: none of a held chain's elements is on it
            isolated = Isolation.isolate(suspects, held -> new Tables(
                    EstablishedPath.derived(Isolation.dropOnly(wanted.ipv4(), held, DROP_ONLY)),
                    EstablishedPath.derived(Isolation.dropOnly(wanted.ipv6(), held, DROP_ONLY)), wanted.sets()), before,
                    (state, kernel) -> {
                        Plan plan = plan(state, kernel, Map.of());
                        write(plan);
                        if (!plan.repoint().isEmpty()) {
                            nft.apply(plan.repoint()).check();
                        }
                        if (!plan.later().isEmpty()) {
                            // no polarity given: only the new chains' dispatch elements, once their rules are in
                            nft.apply(plan.later()).check();
                        }
                        return new Isolation.Written<>(state, plan.changes());
                    });
        } catch (KernelException stillRefused) {
            return Changes.failure(TOOL, stillRefused.getMessage());
        }
        programmed = isolated.kernel();
        return isolated.changes();
    }
}
