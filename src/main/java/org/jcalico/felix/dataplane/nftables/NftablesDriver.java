package org.jcalico.felix.dataplane.nftables;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.nftables.NftablesPlanner.Plan;
import org.jcalico.felix.dataplane.nftables.NftablesPlanner.Tables;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;

/**
 * Keeps jcalico's nftables tables ({@code ip jcalico}, {@code ip6 jcalico}: chains, sets and the base chains that
 * hook them) as desired, with one {@code nft -f -} per apply, which the kernel applies as one transaction, whole or
 * not at all. It works from what it last wrote; after {@link #forget()} it replaces both tables whole, which repairs
 * drift and sweeps what is no longer wanted. It never touches another table.
 *
 * <p>When the kernel refuses a transaction, nothing of it was applied, and one refused rule must neither stop the
 * host from being programmed nor open anything: as the iptables driver does, it writes everything again with each
 * isolable chain that differs from what the kernel holds replaced by a chain that only drops, then releases those
 * chains in halves, each in a transaction of its own; a chain the kernel refuses on its own stays drop-only and is
 * reported under its name with the kernel's message. A transaction refused with every such chain held drop-only (a
 * shared chain, a set's element) is reported under "nftables" and leaves the kernel as it was.
 */
public final class NftablesDriver {
    /** The failure key of a whole transaction refused. */
    public static final String TOOL = "nftables";
    static final List<String> DROP_ONLY = List.of("drop");
    private final CommandRunner runner;
    /** What the kernel holds, as this driver wrote it; null when not known. */
    private Tables programmed;
    /** Whether the kernel is known to hold no table of jcalico's (after {@link #remove}). */
    private boolean removed;

    public NftablesDriver(CommandRunner runner) {
        this.runner = runner;
    }

    /** The next apply replaces both tables whole; the next {@link #remove} looks again. */
    public void forget() {
        programmed = null;
        removed = false;
    }

    /** @param isolable the chains that may be isolated when the kernel refuses them (see the class comment) */
    public Changes apply(HostState desired, Set<String> isolable) {
        Tables wanted = new Tables(desired.ipv4(), desired.ipv6(), desired.ipSets());
        if (programmed != null && NftablesPlanner.sameObjects(programmed, wanted)) {
            return Changes.NONE;
        }
        Tables before = programmed;
        programmed = null;
        removed = false;
        try {
            Plan plan = write(wanted, before);
            programmed = wanted;
            return plan.changes();
        } catch (KernelException refused) {
            return isolate(wanted, before, isolable, refused);
        }
    }

    /** Both of jcalico's tables gone (when the other driver programs the kernel); nothing if nft is not installed. */
    public Changes remove() {
        if (removed) {
            return Changes.NONE;
        }
        CommandRunner.Result result = runner.run(List.of("nft", "-f", "-"), NftablesPlanner.removeAll());
        if (!result.ok() && result.exitCode() != 127) {
            return Changes.failure(TOOL, result.describe());
        }
        programmed = null;
        removed = true;
        return Changes.NONE;
    }

    private Plan write(Tables wanted, Tables before) {
        Plan plan = before == null ? null : NftablesPlanner.delta(before, wanted);
        if (plan == null) {
            plan = NftablesPlanner.replace(wanted);
        }
        if (!plan.isEmpty()) {
            runner.run(List.of("nft", "-f", "-"), plan.script()).check();
        }
        return plan;
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
        Isolation isolation = new Isolation(wanted, suspects);
        try {
            isolation.wrote(write(isolation.state(), before));
        } catch (KernelException stillRefused) {
            return Changes.failure(TOOL, stillRefused.getMessage());
        }
        isolation.release(suspects);
        programmed = isolation.current;
        return isolation.changes;
    }

    /** The state of one isolation: which chains are still held drop-only, and what the kernel has now. */
    private final class Isolation {
        private final Tables desired;
        private final Set<String> held;
        private Tables current;
        private Changes changes = Changes.NONE;

        Isolation(Tables desired, List<String> suspects) {
            this.desired = desired;
            this.held = new TreeSet<>(suspects);
        }

        Tables state() {
            return new Tables(heldDropOnly(desired.ipv4()), heldDropOnly(desired.ipv6()), desired.sets());
        }

        private IptablesState heldDropOnly(IptablesState state) {
            Map<String, Map<String, Chain>> tables = new HashMap<>();
            state.tables().forEach((table, chains) -> {
                Map<String, Chain> copy = new HashMap<>(chains);
                chains.keySet().stream().filter(held::contains).forEach(name -> copy.put(name, new Chain(name, DROP_ONLY)));
                tables.put(table, copy);
            });
            return new IptablesState(state.version(), tables, state.hooks());
        }

        void wrote(Plan plan) {
            changes = changes.plus(plan.changes());
            current = state();
        }

        void release(List<String> group) {
            held.removeAll(group);
            Tables next = state();
            try {
                Plan plan = write(next, current);
                changes = changes.plus(plan.changes());
                current = next;
            } catch (KernelException e) {
                if (group.size() == 1) {
                    held.add(group.get(0));
                    changes = changes.plus(Changes.failure(group.get(0), "the kernel refused chain " + group.get(0)
                            + " (" + e.getMessage() + "); it drops all traffic until this is fixed"));
                    return;
                }
                held.addAll(group);
                release(group.subList(0, group.size() / 2));
                release(group.subList(group.size() / 2, group.size()));
            }
        }
    }
}
