package org.jcalico.felix.dataplane;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jcalico.felix.dataplane.interfaces.InterfaceDriver;
import org.jcalico.felix.dataplane.ipsets.IpSetDriver;
import org.jcalico.felix.dataplane.iptables.IptablesDriver;
import org.jcalico.felix.dataplane.iptables.RefusedSetReaders;
import org.jcalico.felix.dataplane.iptables.SharedTableCommits;
import org.jcalico.felix.dataplane.nftables.NftablesDriver;
import org.jcalico.felix.dataplane.routes.RouteDriver;
import org.jcalico.felix.dataplane.routes.StrayScope;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.kernel.BaseChain;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.NfTablesCommits;
import org.jcalico.util.Futures;

/**
 * Makes one host's kernel (the namespace of its runner) match a desired {@link HostState}, touching only what
 * jcalico owns. Each driver remembers what it last programmed, so an apply costs in proportion to the change; a
 * resync reads everything back first, which repairs drift and sweeps what is no longer desired. Not thread-safe:
 * Felix's single event loop owns it.
 */
public final class Dataplane {
    /** The failure keys of a driver's whole batch refused (see {@link Changes}): nothing of it was written. */
    public static final Set<String> TOOLS = Set.of("iptables", "ip6tables", NftablesDriver.TOOL, "routes", "interfaces");
    /**
     * Why a change's rules were not written: a MIXED set's change waits for the hold, and new rules meeting the sets'
     * old members might allow what the policy denies before and after (docs/dataplane.md, "Session 55 (t-hunt)").
     */
    private static final String UNHELD = "the change's rules not written, the kernel keeps the rules before it: the "
            + "change of sets the rules match both to allow and to deny needs the hold, which is not in force";
    /**
     * Why a change's rules were not written: a chain that every endpoint depends on reads a set the kernel refused to
     * fill, and would judge the set's missing members unlike its others (docs/dataplane.md, "Session 56 (t-full)").
     */
    private static final String UNFILLED = "the change's rules not written, the kernel keeps the rules before it: a "
            + "set the kernel refused to fill is read by chains every endpoint depends on:";
    private static final IptablesState NO_IPV4_RULES = new IptablesState(4, Map.of(), List.of());
    private static final IptablesState NO_IPV6_RULES = new IptablesState(6, Map.of(), List.of());
    private final IpSetDriver ipSets;
    private final IptablesDriver iptables;
    private final IptablesDriver ip6tables;
    private final NftablesDriver nftables;
    private final InterfaceDriver interfaces;
    private final RouteDriver routes;
    private final RulesLeftAlone rulesLeftAlone;
    private final CommandRunner runner;
    /**
     * Whether jcalico's hooks and dispatch chains are known to be in the kernel: found there, or written by a
     * transaction the kernel took. Only written by the rules' thread of an apply, read after it (a join).
     */
    private volatile boolean hooked;
    /** The forward hook's base chains that drop by policy, as read at the last resync that read the rules back. */
    private volatile Set<BaseChain> forwardDropping = Set.of();
    /** The driver of the last apply. */
    private volatile DataplaneDriver driver = DataplaneDriver.IPTABLES;
    /** The iptables tables the last apply hooks a chain of, as nft names them ("ip nat"): {@link #mayHaveChanged}. */
    private volatile Set<String> hookedTables = Set.of();

    public Dataplane(CommandRunner runner) {
        this.ipSets = new IpSetDriver(runner);
        this.iptables = new IptablesDriver(runner, 4);
        this.ip6tables = new IptablesDriver(runner, 6);
        this.nftables = new NftablesDriver(runner);
        this.interfaces = new InterfaceDriver(runner);
        this.routes = new RouteDriver(runner);
        this.rulesLeftAlone = new RulesLeftAlone(runner);
        this.runner = runner;
    }

    /**
     * Tells FOREIGN (on a thread of its own) who made each commit to this host's nf_tables that is not the agent's own,
     * until closed: another program may have taken jcalico's hooks away (docs/dataplane.md, "Session 65 (t-watch)").
     *
     * @throws KernelException when the kernel cannot tell
     */
    public NfTablesCommits watchForeignCommits(Consumer<NfTablesCommits.Commit> foreign) {
        return runner.nfTablesCommits(foreign);
    }

    /**
     * Whether another program's commit that touched TOUCHED (null: not known) may have changed what a resync repairs.
     * Under either driver one that touched a table of jcalico's nftables driver. Under the nftables driver nothing else:
     * another table's rules cannot undo the drops of jcalico's base chains, nor a resync remove them (docs/dataplane.md,
     * "Session 66 (t-attach)"). Under the iptables driver, whose chains and hooks share iptables' tables with docker's
     * and a firewall's, also whatever {@link SharedTableCommits} counts (docs/dataplane.md, "Session 66 (t-narrow)").
     * What another table's base chains drop is read by {@link #readForwardDropping}.
     */
    public boolean mayHaveChanged(Set<NfTablesCommits.Touched> touched) {
        return touched == null || touched.stream().anyMatch(object -> NftablesDriver.ownsTable(object.table()))
                || driver != DataplaneDriver.NFTABLES && SharedTableCommits.mayHaveChanged(touched, hookedTables);
    }

    /**
     * Under the iptables driver, how another program changed jcalico's ipsets since the last pass, as their headers show
     * it ({@link IpSetDriver#drift}), or null: none seen, or not the iptables driver (the nftables driver's sets are
     * its tables', whose commits {@link #watchForeignCommits} tells). Between two passes only.
     *
     * @throws KernelException when the headers could not be read
     */
    public String ipSetDrift() {
        return driver == DataplaneDriver.IPTABLES ? ipSets.drift() : null;
    }

    private static Set<String> hookedTables(HostState desired) {
        Set<String> tables = new java.util.HashSet<>();
        for (int version : new int[] {4, 6}) {
            desired.iptables(version).hooks().forEach(hook -> tables.add((version == 4 ? "ip " : "ip6 ") + hook.table()));
        }
        return Set.copyOf(tables);
    }

    /**
     * The host-wide settings Felix needs (forwarding, both families), and what the first resync would otherwise set up
     * before its calculation ({@link RulesLeftAlone#prepare}); once, before the first apply. The agent runs it beside
     * its listing.
     */
    public DataplaneReport start() {
        DriverTimes times = new DriverTimes();
        rulesLeftAlone.prepare();
        return timed(times, () -> times.time("interfaces", interfaces::start));
    }

    /**
     * The order keeps every step acceptable to the kernel: sets exist before rules refer to them and are destroyed
     * after rules stopped referring to them; interfaces are up before routes point at them. Links and routes wait for
     * nothing else, so they go alongside the sets and rules: a route that is there before its endpoint's rules lets
     * nothing through, because the dispatch chains drop traffic of interfaces they do not know. That needs the hooks
     * and dispatch chains in the kernel already: on an empty kernel the agent's first pass writes them first
     * ({@link #resync(Supplier, Supplier, StrayScope)}'s guard). Until hooks are known to be in (no guard, a refused guard, a
     * read-back that failed, every batch of rules so far refused whole) links and routes wait for the rules, and are
     * held back when those are refused whole too (docs/dataplane.md, "The cold start's order"). So do they when the
     * link of an isolated endpoint is to come up: only the rules drop the host's own packets to it (jc-OUTPUT, which
     * neither the guard nor a kernel without another isolated endpoint holds). The IPv4 and IPv6
     * rules are separate tools and tables, so they are restored at once too, and planned (their restore input made)
     * while the sets are filled: planning reads nothing of the sets, only the write must come after them.
     *
     * <p>The state is rendered for one driver ({@link HostState#driver()}); the other's jcalico state is removed, but
     * only after the chosen one's was written: until then a packet passes both, which allows no more than either.
     */
    public DataplaneReport apply(HostState desired) {
        return apply(desired, new DriverTimes(), CompletableFuture.completedFuture(new Guarded(Changes.NONE, hooked)));
    }

    /** What a cold start's guard wrote, and whether the kernel holds jcalico's hooks after it. */
    private record Guarded(Changes changes, boolean hooked) {
    }

    /**
     * As {@link #apply(HostState)}, with nothing written before GUARDED (a cold start's guard, see
     * {@link #resync(Supplier, Supplier, StrayScope)}) is done: neither rules (the drivers are the guard's) nor links and routes
     * (the guard is what makes them safe).
     */
    private DataplaneReport apply(HostState desired, DriverTimes times, CompletableFuture<Guarded> guarded) {
        driver = desired.driver();
        hookedTables = hookedTables(desired);
        Set<String> isolable = desired.concerns().keySet();
        Supplier<Changes> rules = desired.driver() == DataplaneDriver.NFTABLES
                ? () -> written(times.time("nftables", () -> nftables.apply(desired, isolable)),
                        () -> times.time("iptables", () -> noIptablesRules().plus(ipSets.sweep(Map.of()))))
                : () -> iptablesRules(desired, isolable, times);
        CompletableFuture<Changes> ruled = new CompletableFuture<>();
        // first, as nothing of the change may carry a new endpoint's packets along its address's old flows
        Changes moved = times.time("routes", () -> routes.forgetMovedFlows(desired.routes(), desired.departed()));
        return timed(times, () -> byEndpoint(desired, moved.plus(both(() -> {
            try {
                Changes guard = Futures.joined(guarded).changes();
                Changes written = rules.get();
                hooked |= hooksTaken(desired.driver(), written);
                ruled.complete(written);
                return guard.plus(written);
            } catch (RuntimeException e) {
                ruled.completeExceptionally(e);
                throw e;
            }
        }, () -> {
            boolean hooks = Futures.joined(guarded).hooked();
            if ((!hooks || interfaces.bringsUpIsolated(desired.interfaces()))
                    && !ruled.handle((written, failure) -> failure == null && hooksTaken(desired.driver(), written)).join()) {
                return Changes.failure("interfaces", hooks
                        ? "links and routes held back: the kernel took none of jcalico's rules, so nothing would drop the host's packets to an isolated endpoint"
                        : "links and routes held back: the kernel took none of jcalico's hooks, so nothing would filter them");
            }
            return times.time("interfaces", () -> interfaces.apply(desired.interfaces()))
                    .plus(times.time("routes", () -> routes.apply(desired.routes(),
                            () -> ruled.handle((written, failure) -> failure).join())));
        }))));
    }

    /**
     * The agent's first pass: a resync from a kernel that may hold nothing of jcalico, with the calculation of the
     * desired state run here. When the kernel holds no jcalico rule (nor nftables table), the GUARD's rules (calc's
     * state for no endpoint: the hooks, and dispatch chains that drop every packet of an interface with the prefix)
     * are written while CALCULATION runs, and the apply after it (links, routes and rules at once, as always) starts
     * once they are in: a link the apply sets up meets the guard's drop until its rules replace it, in one transaction
     * per table (docs/dataplane.md, "The cold start's order"). A kernel that holds jcalico's rules gets no guard (it
     * has its own hooks and dispatch chains, and replacing them would cut every endpoint's traffic for the start).
     * The tracked connections STRAYS covers are read meanwhile, for the change that follows to forget those of addresses
     * no endpoint kept ({@link RouteDriver#forgetMovedFlows}): the first, or the agent's first after a failed pass.
     */
    public DataplaneReport resync(Supplier<HostState> guard, Supplier<HostState> calculation, StrayScope strays) {
        boolean rulesLeft = forget();
        routes.readTrackedAddresses(strays);
        try {
            DriverTimes times = new DriverTimes();
            CompletableFuture<Guarded> guarded = rulesLeft ? CompletableFuture.completedFuture(new Guarded(Changes.NONE, hooked))
                    : CompletableFuture.supplyAsync(() -> guard(guard, times), Thread::startVirtualThread);
            HostState desired;
            try {
                desired = calculation.get();
            } catch (RuntimeException e) {
                guarded.handle((changes, failure) -> changes).join();
                throw e;
            }
            return apply(desired, times, guarded);
        } finally {
            afterResync(rulesLeft);
        }
    }

    /**
     * As {@link #resync(Supplier, Supplier, StrayScope)} with the strays of the desired state's local blocks only
     * ({@link StrayScope#within}), read at the first change: for callers that hold no snapshot (tests).
     */
    public DataplaneReport resync(Supplier<HostState> guard, Supplier<HostState> calculation) {
        return resync(guard, calculation, null);
    }

    /**
     * The guard's rules written unless the kernel has jcalico's hooks in force already (every hook of the guard in
     * place, of either driver: its chains then decide, and a link meets them). Chains without their hooks, a dormant
     * table or one of jcalico's name that another program owns filter nothing, so they get the guard. Hooked when the
     * kernel had the hooks or took the guard; not when it refused the guard or could not be read (the apply after the
     * calculation then reads back again and reports it, and writes links only after rules).
     */
    private Guarded guard(Supplier<HostState> guarding, DriverTimes times) {
        HostState guard = guarding.get();
        try {
            if (iptables.holdsHooks(guard.ipv4()) && ip6tables.holdsHooks(guard.ipv6()) || nftables.holdsHooks(guard)) {
                return new Guarded(Changes.NONE, true);
            }
        } catch (KernelException e) {
            return new Guarded(Changes.NONE, false);
        }
        Changes written = guard.driver() == DataplaneDriver.NFTABLES
                ? times.time("nftables", () -> nftables.apply(guard, Set.of()))
                // the sets its rules match (the hold sets, empty) first; the fill after the calculation reads them back
                : times.time("ipsets", () -> ipSets.create(guard.ipSets().values()))
                        .plus(times.time("iptables", () -> iptables.apply(guard.ipv4(), Set.of())))
                        .plus(times.time("ip6tables", () -> ip6tables.apply(guard.ipv6(), Set.of())));
        return new Guarded(written, hooksTaken(guard.driver(), written));
    }

    /**
     * Sets tightened (IpSetPlanner#fill: the addresses whose membership of a MIXED set changes held first), then both
     * families' rules written at once, then the sets loosened and the held addresses released, then the sets no longer
     * used destroyed. When the hold could not be put in force, a MIXED set's change is not written, and neither are the
     * rules (a whole refusal: every endpoint fails, the sets stay tightened, the next apply retries). A chain that reads
     * a set whose fill the kernel refused drops all traffic, or no rule is written when a shared chain reads one
     * ({@link RefusedSetReaders}): its rules would meet the set's partial members. On a cold start
     * (the first apply, a resync) the fill takes seconds with a large cluster, during which the JVM mostly waits for
     * ipset; so both families are planned meanwhile (read back, diffed, their restore input made) and written once the
     * sets are in. A change's fill takes milliseconds, less than handing its planning to other threads costs on a
     * loaded machine, so a change plans each family where it writes it.
     */
    private Changes iptablesRules(HostState desired, Set<String> isolable, DriverTimes times) {
        Changes held = times.time("iptables-hold", () -> holdInForce(desired));
        boolean cold = ipSets.readsBack();
        List<CompletableFuture<Supplier<Changes>>> planning = new ArrayList<>();
        Supplier<Changes> ipv4 =
                writer(cold, planning, times, "iptables", () -> iptables.prepare(desired.ipv4(), isolable));
        Supplier<Changes> ipv6 =
                writer(cold, planning, times, "ip6tables", () -> ip6tables.prepare(desired.ipv6(), isolable));
        try {
            Changes filled = times.time("ipsets",
                    () -> ipSets.fill(desired.ipSets(), desired.polarities(), held.failures().isEmpty()));
            if (filled.failures().containsKey(IpSetDriver.WITHHELD)) {
                return held.plus(filled).plus(Changes.failure("iptables",
                        UNHELD + " (" + String.join("; ", held.failures().values()) + ")"));
            }
            RefusedSetReaders readers = RefusedSetReaders.of(refusedSets(desired, filled), isolable, desired.ipv4(),
                    desired.ipv6());
            if (!readers.shared().isEmpty()) {
                return held.plus(filled).plus(Changes.failure("iptables", UNFILLED + " " + readers.shared()));
            }
            if (!readers.none()) {
                // the rules planned for the sets as desired must not be written: planned again with the readers held
                awaitPlans(planning);
                ipv4 = writer(false, planning, times, "iptables",
                        () -> iptables.prepare(readers.holding(desired.ipv4()), isolable));
                ipv6 = writer(false, planning, times, "ip6tables",
                        () -> ip6tables.prepare(readers.holding(desired.ipv6()), isolable));
            }
            Supplier<Changes> ipv4Rules = ipv4;
            Supplier<Changes> ipv6Rules = ipv6;
            Changes rules = both(() -> times.time("iptables", ipv4Rules), () -> times.time("ip6tables", ipv6Rules))
                    .plus(readers.failures());
            // the sets loosen and the held addresses are freed once the rules of the change are in: before, old rules
            // would meet new members (a batch refused whole keeps them tightened and held, fail-closed)
            Changes loosened = refusedWhole(rules) ? Changes.NONE : times.time("ipsets", ipSets::loosen);
            return held.plus(filled).plus(written(rules, () -> times.time("nftables", nftables::remove))).plus(loosened)
                    .plus(times.time("ipsets", () -> ipSets.sweep(desired.ipSets())));
        } finally {
            // no plan still at work when the next apply starts, also when this one failed
            awaitPlans(planning);
        }
    }

    private static void awaitPlans(List<CompletableFuture<Supplier<Changes>>> planning) {
        CompletableFuture.allOf(planning.toArray(CompletableFuture[]::new)).handle((done, failure) -> done).join();
    }

    /** The desired sets whose fill the kernel refused: FILLED reports each under its name. */
    private static Set<String> refusedSets(HostState desired, Changes filled) {
        return filled.failures().keySet().stream().filter(desired.ipSets()::containsKey).collect(Collectors.toSet());
    }

    /**
     * The hold in force before the fill, which may hold addresses: where the rules in force are not this process's
     * writing (a restart, a read-back) and some chain lacks calc's hold rules (an earlier version's rules, chains edited
     * by hand), the hold sets are created (empty) and then the hold rules inserted, one small restore a family; a
     * failure here means the hold is not in force, and the fill then writes no MIXED set's change. Every
     * step only adds what drops nothing yet, so a kill -9 anywhere leaves the kernel no looser than before; the fill then
     * holds as on any other apply (docs/dataplane.md, "A change and the states the kernel passes through"). Rules this
     * driver wrote, and rules read back that have the hold, cost a look at the chains and no write.
     */
    private Changes holdInForce(HostState desired) {
        List<Supplier<Changes>> inserts = Stream.of(iptables.hold(desired.ipv4()), ip6tables.hold(desired.ipv6()))
                .flatMap(Optional::stream).toList();
        if (inserts.isEmpty()) {
            return Changes.NONE;
        }
        Changes sets = ipSets.create(Stream.of(4, 6).map(HostState::holdSet)
                .map(desired.ipSets()::get).filter(Objects::nonNull).toList());
        return sets.failures().isEmpty() ? inserts.stream().map(Supplier::get).reduce(sets, Changes::plus) : sets;
    }

    /**
     * What writes one family's rules. EARLY: PLAN runs now on a thread of its own (added to STARTED, its time counted
     * for DRIVER) and the writer waits for it, its exception unwrapped; otherwise the writer plans, then writes.
     */
    private static Supplier<Changes> writer(boolean early, List<CompletableFuture<Supplier<Changes>>> started,
                                            DriverTimes times, String driver, Supplier<Supplier<Changes>> plan) {
        if (!early) {
            // the plan's share of the driver's time apart, as DRIVER-plan: the rest is the restore's exchange
            return () -> {
                long start = System.nanoTime();
                Supplier<Changes> write = plan.get();
                times.add(driver + "-plan", System.nanoTime() - start);
                return write.get();
            };
        }
        CompletableFuture<Supplier<Changes>> planned = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            try {
                return plan.get();
            } finally {
                times.add(driver, System.nanoTime() - start);
            }
        }, Thread::startVirtualThread);
        started.add(planned);
        return () -> Futures.joined(planned).get();
    }

    /**
     * Under the nftables driver, the iptables driver's rules removed: both families at once, unless both are known to
     * hold none already, as after every change once the first pass removed them. Then nothing is started: a thread
     * started for nothing to do cost an add up to 8 ms of waiting for a core on a loaded machine (docs/dataplane.md,
     * "Session 46 (n-add)").
     */
    private Changes noIptablesRules() {
        return iptables.holds(NO_IPV4_RULES) && ip6tables.holds(NO_IPV6_RULES) ? Changes.NONE
                : both(() -> iptables.apply(NO_IPV4_RULES, Set.of()), () -> ip6tables.apply(NO_IPV6_RULES, Set.of()));
    }

    /** The rules' changes, and then the other driver's state removed, unless a whole batch of them was refused. */
    private static Changes written(Changes rules, Supplier<Changes> removeOther) {
        return refusedWhole(rules) ? rules : rules.plus(removeOther.get());
    }

    /**
     * Whether the kernel took the rules of DRIVER that WRITTEN reports: no whole batch of that driver's refused (the
     * other driver's removal failing leaves the hooks just written in place).
     */
    private static boolean hooksTaken(DataplaneDriver driver, Changes written) {
        Set<String> tools = driver == DataplaneDriver.NFTABLES ? Set.of(NftablesDriver.TOOL) : Set.of("iptables", "ip6tables");
        return written.failures().keySet().stream().noneMatch(tools::contains);
    }

    /** Whether a whole batch of CHANGES was refused: nothing of that batch is in the kernel. */
    private static boolean refusedWhole(Changes changes) {
        return changes.failures().keySet().stream().anyMatch(TOOLS::contains);
    }

    /**
     * A refused chain or set that only some endpoints depend on is reported under each of their interfaces as well
     * as under its own name, so that those endpoints, and only they, are marked failed.
     */
    private static Changes byEndpoint(HostState desired, Changes changes) {
        Changes result = changes;
        for (Map.Entry<String, String> failure : changes.failures().entrySet()) {
            for (String interfaceName : desired.concerns().getOrDefault(failure.getKey(), Set.of())) {
                result = result.plus(Changes.failure(interfaceName, failure.getValue()));
            }
        }
        return result;
    }

    /**
     * Runs the two at once and returns when both have finished, also when one failed, so that no driver is still at
     * work when the next apply starts; a driver's own exception (a KernelException) comes out unwrapped.
     */
    private static Changes both(Supplier<Changes> one, Supplier<Changes> other) {
        CompletableFuture<Changes> background = CompletableFuture.supplyAsync(other, Thread::startVirtualThread);
        Changes mine;
        try {
            mine = one.get();
        } catch (RuntimeException e) {
            background.handle((changes, failure) -> changes).join();
            throw e;
        }
        return mine.plus(Futures.joined(background));
    }

    /**
     * Plans the rules of DESIRED as an apply would, against what the drivers last wrote, and writes nothing: no
     * driver's view of the kernel changes, so the next apply plans from what was written. For {@code
     * IncrementalRehearsal}, which runs the incremental path once in memory so that the JIT has compiled it before the
     * first real change. A driver that does not know what the kernel holds (no apply yet, a resync due) plans nothing.
     */
    public void rehearse(HostState desired) {
        if (desired.driver() == DataplaneDriver.NFTABLES) {
            nftables.rehearse(desired);
        } else {
            iptables.rehearse(desired.ipv4());
            ip6tables.rehearse(desired.ipv6());
        }
    }

    /**
     * For tests: PROBE runs between every two messages of the ipset driver and after each of its batches, so that a
     * test sees every state the kernel passes through during an apply (the rules' restores are transactions).
     */
    void probeSetWrites(Runnable probe) {
        ipSets.probeBetweenMessages(probe);
    }

    /** For tests: the ipsets made from now on hold at most MAX_ELEMENTS members (see IpSetDriver#limitSetsTo). */
    void limitSetsTo(int maxElements) {
        ipSets.limitSetsTo(maxElements);
    }

    /** For tests: PROBE is given each nftables transaction's script before it is written (see NftablesDriver). */
    void probeNftTransactions(Consumer<String> probe) {
        nftables.probeTransactions(probe);
    }

    /**
     * For tests: PROBE runs after the routes' batch that deleted a local endpoint's route and the rules of its change,
     * before its flows go.
     */
    void probeFlowForgetting(Runnable probe) {
        routes.probeBeforeForgettingFlows(probe);
    }

    /** The names of every link of the host, jcalico's or not. */
    public Set<String> links() {
        return interfaces.links();
    }

    /** The names of the links that hold an address of the host's: its uplink, loopback, bridges. */
    public Set<String> addressedLinks() {
        return interfaces.addressedLinks();
    }

    /**
     * Whether some tracked connections an apply was to forget may still be there ({@link RouteDriver#owesForgetting}):
     * until none is, the agent records no revision as applied (docs/dataplane.md, "Session 65 (t-restart)").
     */
    public boolean owesForgetting() {
        return routes.owesForgetting();
    }

    /**
     * An apply that starts from the kernel as it is rather than from what was last programmed. The rules (iptables,
     * ip6tables, nftables) are not read back when no transaction has touched any of them since the last resync, which
     * found them as desired ({@link RulesLeftAlone}): an idle agent's resync then starts no iptables-save.
     */
    public DataplaneReport resync(HostState desired) {
        boolean rulesLeft = forget();
        try {
            return apply(desired);
        } finally {
            afterResync(rulesLeft);
        }
    }

    /**
     * A warning for the status when another program's chain drops the forwarded traffic that jcalico's rules allow
     * ({@link ForeignForwardDrop}), or null. Read at resyncs that read the rules back: no nf_tables commit since means
     * no chain changed.
     */
    public String forwardDropWarning() {
        return ForeignForwardDrop.warning(forwardDropping, driver);
    }

    /**
     * A warning for the status when the last read-back of the rules met tables that iptables-save cannot show
     * (another program's nft rules in them) and that hold nothing of jcalico's ({@link IptablesDriver#unreadable}), or
     * null. Where such a table held jcalico's chains or is needed, the read failed instead and the apply reports it.
     */
    public String unreadableTablesWarning() {
        List<String> tables = Stream.concat(iptables.unreadable().stream().map(table -> "ip " + table),
                ip6tables.unreadable().stream().map(table -> "ip6 " + table)).sorted().toList();
        return tables.isEmpty() ? null : "iptables-save cannot show " + (tables.size() == 1 ? "table " : "tables ")
                + String.join(", ", tables) + " (another program's nft rules that iptables cannot express; 'nft list"
                + " table' shows them): no chain of jcalico's is there and none is needed now, but jcalico could write"
                + " none there while it stays so";
    }

    /**
     * The links and routes are read from the kernel again at the next apply, the rules and sets not: for an endpoint's
     * link made again under its old name, which took its routes with it and comes down and unconfigured, while the
     * desired state is what it was (LocalEndpoints#relinked). The links' dump and the routes' dump cost a few
     * milliseconds, once for such a pass.
     */
    public void forgetLinks() {
        interfaces.forget();
        routes.forget();
    }

    /** Every driver reads the kernel back at its next apply, the rules' unless left alone; true when they were. */
    private boolean forget() {
        boolean rulesLeft = rulesLeftAlone.atResyncStart();
        ipSets.forget();
        if (!rulesLeft) {
            iptables.forget();
            ip6tables.forget();
            nftables.forget();
        }
        interfaces.forget();
        routes.forget();
        return rulesLeft;
    }

    /**
     * At a resync's end: its generation remembered, and when it read the rules back (a commit of anyone's since the last
     * one), the forward hook's chains read again after the apply, before the status that reports them: one netlink
     * dump on the generation's channel, which the resync has just used. On a channel of their own (the nftables
     * driver's, idle after 30 s under iptables) each such read started a thread again: 6 MB of an idle agent's RSS
     * for ten seconds.
     */
    private void afterResync(boolean rulesLeft) {
        rulesLeftAlone.atResyncEnd();
        if (!rulesLeft) {
            readForwardDropping();
        }
    }

    /**
     * The forward hook's base chains that drop by policy read again, for {@link #forwardDropWarning}: after a resync that
     * read the rules back, and after another program's commit that needs no resync ({@link #mayHaveChanged}). Whether
     * the warning changed.
     */
    public boolean readForwardDropping() {
        String before = forwardDropWarning();
        try {
            Set<BaseChain> read = rulesLeftAlone.forwardDropping();
            forwardDropping = read != null ? read : nftables.forwardDropping();
        } catch (KernelException e) {
            // kept as last read: a kernel that cannot be read now tells nothing new
        }
        return !Objects.equals(before, forwardDropWarning());
    }

    private static DataplaneReport timed(DriverTimes times, Supplier<Changes> work) {
        long start = System.nanoTime();
        Changes changes = work.get();
        return new DataplaneReport(changes, Duration.ofNanos(System.nanoTime() - start), times.durations());
    }

    /** How long each driver worked during one apply; drivers run on two threads at once, so it is shared. */
    private static final class DriverTimes {
        private final Map<String, Long> nanos = new java.util.concurrent.ConcurrentHashMap<>();

        Changes time(String driver, Supplier<Changes> work) {
            long start = System.nanoTime();
            try {
                return work.get();
            } finally {
                add(driver, System.nanoTime() - start);
            }
        }

        void add(String driver, long spent) {
            nanos.merge(driver, spent, Long::sum);
        }

        Map<String, Duration> durations() {
            Map<String, Duration> result = new java.util.TreeMap<>();
            nanos.forEach((driver, spent) -> result.put(driver, Duration.ofNanos(spent)));
            return result;
        }
    }
}
