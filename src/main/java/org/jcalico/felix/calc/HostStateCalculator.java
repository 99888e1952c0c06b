package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.jcalico.felix.hoststate.Concerns;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.Renderer;
import org.jcalico.felix.render.iptables.IptablesRenderer;
import org.jcalico.felix.render.nftables.NftablesRenderer;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.Direction;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.Namespace;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.Tier;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.EndpointLabels;
import org.jcalico.util.Memo;
import org.jcalico.util.PersistentSortedMap;
import org.jcalico.util.Futures;

/**
 * The pure heart of the agent: a snapshot of the cluster in, the desired state of this host's kernel out, through
 * the neutral rule model (org.jcalico.felix.program) and a renderer. Each policy's chains are compiled once per
 * policy object and shared by every local endpoint it applies to; each endpoint's chains list its tiers' policies
 * and its profiles (EndpointChains). What it derives from each local endpoint alone, each policy and each profile,
 * and the members of the tag sets are kept between calculations, keyed by the objects: the agent's cache keeps an
 * object until it changes. The result is the same as a calculation from nothing, but for the addresses that left
 * other nodes' endpoints since the last calculation ({@link HostState#departed}), a change by nature.
 */
public final class HostStateCalculator {
    private final Renderer iptablesRenderer;
    private final Renderer nftablesRenderer;
    /** The walk of the snapshot's endpoints against the last one's, made once for the three that need it. */
    private final ListChanges.Shared endpointChanges = new ListChanges.Shared();
    private final TagSets tagSets = new TagSets(endpointChanges);
    private final SelectorSets selectorSetMembers = new SelectorSets(endpointChanges);
    private boolean calculated;
    private LocalSelection localSelection = new LocalSelection(endpointChanges);
    private final RemoteDepartures departures = new RemoteDepartures(endpointChanges);
    /** Whether Deny rules and endpoint drops log what they drop (FelixConfiguration.deniedFlowLogsEnabled). */
    private boolean logDrops = FelixConfiguration.DEFAULTS.deniedFlowLogsEnabled();
    private Memo<Policy, CompiledPolicy> policies;
    private Memo<ProfileKey, CompiledProfile> profiles;
    private final Memo<EndpointChains.SharedKey, CompiledChain> sharedChains = Memo.byEquality(EndpointChains::shared);
    /**
     * Each local endpoint's policy by endpoint object, from the last calculation: kept while tiers, profiles and
     * namespaces are unchanged and no policy that applied to the endpoint went and none that applies came.
     */
    private Map<WorkloadEndpoint, EndpointPolicy> endpointPolicies = new IdentityHashMap<>();
    /** The local endpoints whose status calc reports failed, with the reason (see HostState.failedClosed). */
    private Map<WorkloadEndpoint, String> failing = new IdentityHashMap<>();
    private PolicyInputs lastInputs;
    private LocalPart lastPart;
    /** Each family's local tables and the sets their chains use, changed by each calculation's endpoints that differ. */
    private LocalTables ipv4Tables;
    private LocalTables ipv6Tables;
    private LocalTables.SetUse setUse;
    private boolean duplicatedLast;
    /** Each local interface's lists of the objects that concern it (Concerns), changed with the tables. */
    private PersistentSortedMap<String, List<Concerns.Owned>> owned = PersistentSortedMap.empty();
    private LocalLinks links = new LocalLinks();

    /** Renders for the driver FelixConfiguration.dataplaneDriver names. */
    public HostStateCalculator() {
        this(new IptablesRenderer(), new NftablesRenderer());
    }

    /** Always renders with this renderer, whatever the configuration says. */
    public HostStateCalculator(Renderer renderer) {
        this(renderer, renderer);
    }

    private HostStateCalculator(Renderer iptablesRenderer, Renderer nftablesRenderer) {
        this.iptablesRenderer = iptablesRenderer;
        this.nftablesRenderer = nftablesRenderer;
        forgetCompiledRules();
    }

    private Renderer renderer(FelixConfiguration config) {
        return config.dataplaneDriver() == DataplaneDriver.NFTABLES ? nftablesRenderer : iptablesRenderer;
    }

    /** Every compiled policy and profile, and every endpoint chain, depend on whether drops are logged. */
    private void forgetCompiledRules() {
        policies = Memo.byIdentity(policy -> new CompiledPolicy(policy, logDrops));
        profiles = Memo.byEquality(key -> new CompiledProfile(key.name(), key.profile(), logDrops));
        lastInputs = null;
    }

    /** A profile by name and object: the same object is the same profile (records would compare every rule). */
    private record ProfileKey(String name, Profile profile) {
        @Override
        public boolean equals(Object other) {
            return other instanceof ProfileKey key && key.name.equals(name) && key.profile == profile;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + System.identityHashCode(profile);
        }
    }

    /** What an endpoint's policy depends on besides the endpoint; policies compare by object, as the cache keeps them. */
    private record PolicyInputs(List<Policy> policies, List<Tier> tiers, Map<String, Profile> profiles,
                                Map<String, Namespace> namespaces, List<UnreadableRecord> unreadable) {
        /** Whether everything but the policies is the same. */
        boolean sameContext(PolicyInputs other) {
            return other != null && other.tiers.equals(tiers) && other.profiles.equals(profiles)
                    && other.namespaces.equals(namespaces) && other.unreadable.equals(unreadable);
        }

        /** The policies of this that the other does not have (as objects). */
        Set<Policy> policiesNotIn(PolicyInputs other) {
            Set<Policy> theirs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            theirs.addAll(other.policies);
            Set<Policy> mine = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            policies.stream().filter(policy -> !theirs.contains(policy)).forEach(mine::add);
            return mine;
        }
    }

    /**
     * One local endpoint's policy: per direction, its tiers' applying policies and why calc keeps it dropped; per
     * family, its two chains, the policy and profile chains they use, and every object it depends on.
     */
    private record EndpointPolicy(LocalEndpoint local, SortedMap<String, String> labels, Set<Policy> matched,
                                  Map<Direction, List<EndpointChains.TierPolicies>> tiers,
                                  Map<Direction, String> failed, List<PerVersion> versions) {
        PerVersion version(int version) {
            return versions.get(version == 4 ? 0 : 1);
        }
    }

    /** concerns: its own chains and every object it depends on, which concern the endpoint (see Concerns). */
    private record PerVersion(List<ProgramChain> own, List<CompiledChain> used, Concerns.Owned concerns) {
    }

    /**
     * On the first calculation a second thread shares the work that needs nothing of the local rules: first the
     * policies' compilation (PolicyCompilation: the calculating thread takes its share as soon as it needs them), then
     * the selector sets' items (labels, groups, counts), which the calculating thread needs only at the end. With
     * 100,000 endpoints and 500 policies that is half of the work, beside the local endpoints' policies and tables. A
     * later calculation compiles a few changed policies and updates the items in microseconds to milliseconds, less
     * than a handoff between threads costs on a loaded machine, so it does both in line.
     */
    public HostState calculate(Snapshot snapshot) {
        PolicyCompilation compilation = null;
        CompletableFuture<Void> helperCompiled = CompletableFuture.completedFuture(null);
        CompletableFuture<Void> items;
        if (calculated) {
            selectorSetMembers.update(snapshot);
            items = CompletableFuture.completedFuture(null);
        } else {
            compilation = new PolicyCompilation(snapshot.policies(), logsDrops(snapshot.config()));
            helperCompiled = CompletableFuture.runAsync(compilation::work, Thread::startVirtualThread);
            items = helperCompiled.thenRunAsync(() -> selectorSetMembers.update(snapshot), Thread::startVirtualThread);
            calculated = true;
        }
        List<CompletableFuture<Void>> helpers = new ArrayList<>(List.of(items));
        try {
            return calculate(snapshot, compilation, helperCompiled, items, helpers);
        } catch (RuntimeException | Error e) {
            // what is kept of the local endpoints changes in steps: after a failure midway, the next starts from nothing
            forgetLocalEndpoints();
            throw e;
        } finally {
            // never leave them running into the next calculation, also when this one failed
            helpers.forEach(helper -> helper.handle((done, failure) -> done).join());
        }
    }

    private void forgetLocalEndpoints() {
        localSelection = new LocalSelection(endpointChanges);
        endpointPolicies = new IdentityHashMap<>();
        failing = new IdentityHashMap<>();
        lastPart = null;
        links = new LocalLinks();
    }

    /** Unset (a configuration made for a test, not merged over the defaults) is the default: on. */
    private static boolean logsDrops(FelixConfiguration config) {
        return !Boolean.FALSE.equals(config.deniedFlowLogsEnabled());
    }

    private HostState calculate(Snapshot snapshot, PolicyCompilation compilation,
                                CompletableFuture<Void> helperCompiled, CompletableFuture<Void> selectorItems,
                                List<CompletableFuture<Void>> helpers) {
        boolean wanted = logsDrops(snapshot.config());
        if (wanted != logDrops) {
            logDrops = wanted;
            forgetCompiledRules();
        }
        policies.nextRound();
        profiles.nextRound();
        sharedChains.nextRound();
        if (compilation != null) {
            compilation.work();
            Futures.joined(helperCompiled);
            compilation.into(policies);
        }
        LocalSelection.Selection selection = localSelection.of(snapshot);
        List<Tier> tiers = orderedTiers(snapshot.tiers());
        Map<String, Integer> tierRank = new HashMap<>();
        tiers.forEach(tier -> tierRank.put(tier.name(), tierRank.size()));
        List<CompiledPolicy> ordered = new ArrayList<>();
        List<CompiledPolicy> orphans = new ArrayList<>();
        for (Policy policy : snapshot.policies()) {
            (tierRank.containsKey(policy.spec().tier()) ? ordered : orphans).add(policies.get(policy));
        }
        ordered.sort(Comparator.<CompiledPolicy>comparingInt(p -> tierRank.get(p.policy().spec().tier()))
                .thenComparing(p -> p.policy().spec().order(), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(p -> ((org.jcalico.model.Resource) p.policy()).name()));
        Map<String, Tier> tiersByName = new HashMap<>();
        tiers.forEach(tier -> tiersByName.put(tier.name(), tier));
        PolicyInputs inputs = new PolicyInputs(snapshot.policies(), tiers, snapshot.profiles(), snapshot.namespaces(),
                snapshot.unreadableRecords());
        boolean sameContext = inputs.sameContext(lastInputs);
        Set<Policy> gone = sameContext ? lastInputs.policiesNotIn(inputs) : Set.of();
        List<CompiledPolicy> came = sameContext ? inputs.policiesNotIn(lastInputs).stream().map(policies::get).toList() : List.of();
        lastInputs = inputs;

        Map<WorkloadEndpoint, LocalEndpoint> cameLocal = new IdentityHashMap<>();
        selection.came().forEach(endpoint -> cameLocal.put(endpoint, LocalEndpoint.of(endpoint)));
        List<LocalEndpoint> goneLocal = selection.gone().stream().map(endpoint -> endpointPolicies.get(endpoint).local()).toList();
        List<EndpointPolicy> added = new ArrayList<>();
        List<EndpointPolicy> left = new ArrayList<>();
        // every local endpoint's policy, in interface order, when they are walked (null: only the few that came and went)
        List<EndpointPolicy> endpoints = null;
        if (lastPart != null && sameContext && gone.isEmpty() && came.isEmpty() && !selection.duplicated()
                && !duplicatedLast && lastPart.config().equals(snapshot.config()) && lastPart.pools().equals(snapshot.pools())) {
            // nothing but the local endpoints that came and went changes any local endpoint's policy or the tables'
            // frame: those are all there is to do, whatever the number of the others (issue #14)
            for (WorkloadEndpoint endpoint : selection.gone()) {
                left.add(endpointPolicies.remove(endpoint));
                failing.remove(endpoint);
            }
            for (WorkloadEndpoint endpoint : selection.came()) {
                EndpointPolicy policy = endpointPolicy(cameLocal.get(endpoint), null, snapshot, inputs, ordered, orphans,
                        tiersByName);
                endpointPolicies.put(endpoint, policy);
                added.add(policy);
            }
        } else {
            Map<WorkloadEndpoint, EndpointPolicy> kept = new IdentityHashMap<>();
            failing = new IdentityHashMap<>();
            endpoints = new ArrayList<>();
            for (WorkloadEndpoint endpoint : selection.ordered()) {
                EndpointPolicy before = endpointPolicies.get(endpoint);
                EndpointPolicy policy = endpointPolicy(before != null ? before.local() : cameLocal.get(endpoint),
                        sameContext && before != null && !stale(before, gone, came) ? before : null, snapshot, inputs,
                        ordered, orphans, tiersByName);
                kept.put(endpoint, policy);
                endpoints.add(policy);
            }
            ListChanges.compare(new ArrayList<>(endpointPolicies.values()), endpoints, added, left);
            endpointPolicies = kept;
        }
        EarlyFill early = compilation == null ? null : fillEarly(endpoints, selectorItems);
        if (early != null) {
            helpers.add(early.helper());
        }
        LocalPart part = localPart(snapshot, endpoints, added, left, selection.duplicated());
        Map<String, IpSetSpec> sets = tagSets.calculate(snapshot.endpoints(), snapshot.profiles(), part.usedTags());
        Futures.joined(selectorItems);
        if (early != null) {
            Futures.joined(early.filling()).work();
            Futures.joined(early.helper());
        }
        sets.putAll(selectorSetMembers.sets(part.selectorSets()));
        // the sets that labels fill; a rule's own nets and the pools say what they say, whoever claims an address
        ClaimedMembers.strip(sets, snapshot.unreadableRecords());
        sets.putAll(part.netSets());
        sets.putAll(poolSets(snapshot.pools()));
        sets.putAll(HOLD_SETS);
        links.update(links.sameBlocks(snapshot.localBlocks()) ? null
                        : selection.ordered().stream().map(endpoint -> endpointPolicies.get(endpoint).local()).toList(),
                List.copyOf(cameLocal.values()), goneLocal, snapshot.localBlocks());
        return new HostState(part.ipv4(), part.ipv6(), sets, links.routes(), links.interfaces(), part.concerns(),
                failedClosed(), renderer(snapshot.config()).driver(), part.polarities(), departures.of(snapshot));
    }

    /** The failing endpoints' reasons by endpoint id, put in interface order (the later of two with one id wins). */
    private Map<String, String> failedClosed() {
        Map<String, String> failedClosed = new TreeMap<>();
        failing.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(WorkloadEndpoint::interfaceName)))
                .forEach(entry -> failedClosed.put(entry.getKey().endpointId(), entry.getValue()));
        return failedClosed;
    }

    /**
     * One local endpoint's policy (KEPT, the last calculation's when it still holds, else made), its fail-closed reasons
     * kept in {@link #failing}. A method of its own, not the loop's body, so that the JIT compiles it within the first
     * calculation (1,000 calls at `bench policy`'s size): {@link #calculate} runs once per calculation, interpreted
     * through the first programming and the rehearsal, and its loop's body with it (docs/dataplane.md, session 33,
     * lane q-pol2).
     */
    private EndpointPolicy endpointPolicy(LocalEndpoint endpoint, EndpointPolicy kept, Snapshot snapshot,
                                          PolicyInputs inputs, List<CompiledPolicy> ordered,
                                          List<CompiledPolicy> orphans, Map<String, Tier> tiersByName) {
        EndpointPolicy policy = kept != null ? kept : policyOf(endpoint, inputs, ordered, orphans, tiersByName);
        // most endpoints fail nothing: no sorted set for each of them on every calculation
        List<String> reasons = policy.failed().isEmpty() ? new ArrayList<>()
                : new ArrayList<>(new TreeSet<>(policy.failed().values()));
        List<String> absent = endpoint.endpoint().profileIds().stream()
                .filter(id -> !snapshot.profiles().containsKey(id)).toList();
        if (!absent.isEmpty()) {
            reasons.add("profile(s) " + String.join(", ", absent) + " do not exist: they allow nothing "
                    + "(new connections that no policy or other profile allows are dropped; "
                    + "established ones go on)");
        }
        if (!reasons.isEmpty()) {
            failing.put(endpoint.endpoint(), String.join("; ", reasons));
        }
        return policy;
    }

    /**
     * On the first calculation, the new selector sets' members are counted by two threads while this one makes the
     * local tables: the sets the endpoints' used chains match (exactly those the tables will need, as the first
     * calculation makes them from nothing) are matched and counted on a virtual thread once the ITEMS are in
     * ({@link SelectorSets#fill}), and this thread takes its share of the counting when its tables are made. Counting
     * 168,000 members of 380 sets (`bench policy`) was half of the first calculation, after the tables, on this thread
     * alone. Later calculations (a few members) do it in line, as {@link SelectorSets#sets} does; that call after this
     * one counts any set this did not (none, unless the guess was wrong), so the result never depends on it.
     */
    private EarlyFill fillEarly(List<EndpointPolicy> endpoints, CompletableFuture<Void> items) {
        Set<SetKey> needed = new java.util.HashSet<>();
        Set<CompiledChain> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (EndpointPolicy endpoint : endpoints) {
            for (PerVersion version : endpoint.versions()) {
                version.used().stream().filter(seen::add).forEach(chain -> needed.addAll(chain.selectorSets()));
            }
        }
        CompletableFuture<SelectorSets.Filling> filling = new CompletableFuture<>();
        CompletableFuture<Void> helper = items.thenRunAsync(() -> {
            SelectorSets.Filling work;
            try {
                work = selectorSetMembers.fill(needed);
            } catch (RuntimeException | Error e) {
                filling.completeExceptionally(e);
                throw e;
            }
            filling.complete(work);
            work.work();
        }, Thread::startVirtualThread);
        return new EarlyFill(filling, helper);
    }

    /**
     * The sets' counting shared with a virtual thread: FILLING, once matched, for this thread's share; HELPER, done
     * when the virtual thread's share is. If the items failed, neither runs, and the caller, which joins the items
     * first, throws their failure.
     */
    private record EarlyFill(CompletableFuture<SelectorSets.Filling> filling, CompletableFuture<Void> helper) {
    }

    /**
     * What the local endpoints' policies make of the kernel's tables (rendered), the objects they concern, and the sets
     * their rules need, for one configuration and set of pools. Remote changes (most of a cluster's churn) leave it as
     * it was: it is kept while no local endpoint's policy came or went.
     */
    private record LocalPart(FelixConfiguration config, List<IpPool> pools,
                             org.jcalico.felix.hoststate.IptablesState ipv4, org.jcalico.felix.hoststate.IptablesState ipv6,
                             Map<String, Set<String>> concerns, Map<String, IpSetSpec> netSets,
                             Set<SetKey> selectorSets, Set<String> usedTags, Map<String, SetPolarity> polarities) {
    }

    /**
     * The local part changed by the endpoints' policies that came (ADDED) and went (GONE), or, when they are given
     * (ALL, in interface order) and the configuration, the pools or an interface shared by two endpoints (DUPLICATED)
     * say so, made from nothing.
     */
    private LocalPart localPart(Snapshot snapshot, List<EndpointPolicy> all, List<EndpointPolicy> added,
                                List<EndpointPolicy> gone, boolean duplicated) {
        boolean frame = lastPart != null && lastPart.config().equals(snapshot.config())
                && lastPart.pools().equals(snapshot.pools());
        if (frame && added.isEmpty() && gone.isEmpty()) {
            return lastPart;
        }
        if (!frame || duplicatedLast || duplicated) {
            // a kept table takes an interface's chains and rules back whole: two endpoints with one interface are
            // made from nothing, as long as it lasts
            setUse = new LocalTables.SetUse();
            // iptables' FORWARD is shared with others' rules (docker's), jcalico's nftables table is its own
            boolean shared = renderer(snapshot.config()).driver() == DataplaneDriver.IPTABLES;
            ipv4Tables = new LocalTables(4, snapshot.config(), snapshot.pools(), setUse, shared);
            ipv6Tables = new LocalTables(6, snapshot.config(), snapshot.pools(), setUse, shared);
            owned = PersistentSortedMap.empty();
            added = all;
            gone = List.of();
        }
        duplicatedLast = duplicated;
        for (int version : List.of(4, 6)) {
            LocalTables tables = version == 4 ? ipv4Tables : ipv6Tables;
            gone.forEach(endpoint -> tables.remove(endpoint.local(), endpoint.version(version).own(),
                    endpoint.version(version).used()));
            added.forEach(endpoint -> tables.add(endpoint.local(), endpoint.version(version).own(),
                    endpoint.version(version).used()));
        }
        for (EndpointPolicy endpoint : gone) {
            String iface = endpoint.local().interfaceName();
            List<Concerns.Owned> others = owned.get(iface).stream()
                    .filter(one -> one != endpoint.version(4).concerns() && one != endpoint.version(6).concerns()).toList();
            owned = others.isEmpty() ? owned.without(iface) : owned.with(iface, others);
        }
        for (EndpointPolicy endpoint : added) {
            String iface = endpoint.local().interfaceName();
            List<Concerns.Owned> lists = new ArrayList<>(owned.getOrDefault(iface, List.of()));
            lists.add(endpoint.version(4).concerns());
            lists.add(endpoint.version(6).concerns());
            owned = owned.with(iface, List.copyOf(lists));
        }
        Renderer renderer = renderer(snapshot.config());
        Map<String, IpSetSpec> netSets = new HashMap<>(setUse.netSets());
        Map<String, SetPolarity> polarities = new HashMap<>(setUse.polarities());
        for (LocalTables tables : List.of(ipv4Tables, ipv6Tables)) {
            IpSetSpec sources = tables.localSources();
            netSets.put(sources.name(), sources);
            // a member only drops packets (those that did not come in on a workload's interface): tightening
            polarities.put(sources.name(), SetPolarity.DENYING);
        }
        for (int version : List.of(4, 6)) {
            // a member only drops packets too (the host's own from a pool's address, in jc-OUTPUT)
            polarities.put(DataplaneNames.allPoolsSet(version), SetPolarity.DENYING);
        }
        lastPart = new LocalPart(snapshot.config(), snapshot.pools(), renderer.render(ipv4Tables.tables()),
                renderer.render(ipv6Tables.tables()), new Concerns(owned), netSets, setUse.selectorSets(),
                setUse.tags(), polarities);
        return lastPart;
    }

    /** Tiers by order (absent last), then name; "default" is always there. */
    static List<Tier> orderedTiers(List<Tier> stored) {
        Map<String, Tier> byName = new TreeMap<>();
        byName.put(Tier.DEFAULT, Tier.DEFAULT_TIER);
        stored.forEach(tier -> byName.put(tier.name(), tier));
        List<Tier> tiers = new ArrayList<>(byName.values());
        tiers.sort(Comparator.comparing((Tier tier) -> tier.spec().order(), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(Tier::name));
        return tiers;
    }

    /** Whether a policy that applied to the endpoint is gone, or one that came applies to it. */
    private static boolean stale(EndpointPolicy policy, Set<Policy> gone, List<CompiledPolicy> came) {
        if (gone.isEmpty() && came.isEmpty()) {
            return false;
        }
        // by the few policies that went and came: an endpoint matches tens of policies, and this runs for every one
        for (Policy went : gone) {
            if (policy.matched().contains(went)) {
                return true;
            }
        }
        String namespace = policy.local().endpoint().namespace();
        for (CompiledPolicy compiled : came) {
            if (compiled.appliesTo(namespace, policy.labels())) {
                return true;
            }
        }
        return false;
    }

    private EndpointPolicy policyOf(LocalEndpoint endpoint, PolicyInputs snapshot, List<CompiledPolicy> ordered,
                                    List<CompiledPolicy> orphans, Map<String, Tier> tiers) {
        WorkloadEndpoint workload = endpoint.endpoint();
        SortedMap<String, String> labels = EndpointLabels.effective(workload, snapshot.profiles(), snapshot.namespaces());
        Set<Policy> matched = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Direction, List<EndpointChains.TierPolicies>> byDirection = new HashMap<>();
        Map<Direction, String> failed = new HashMap<>();
        for (Direction direction : Direction.values()) {
            byDirection.put(direction, new ArrayList<>());
        }
        for (CompiledPolicy policy : ordered) {
            if (!policy.appliesTo(workload.namespace(), labels)) {
                continue;
            }
            matched.add(policy.policy());
            Tier tier = tiers.get(policy.policy().spec().tier());
            for (Direction direction : Direction.values()) {
                if (policy.policy().spec().governs(direction)) {
                    List<EndpointChains.TierPolicies> applying = byDirection.get(direction);
                    if (applying.isEmpty() || !applying.get(applying.size() - 1).tier().equals(tier)) {
                        applying.add(new EndpointChains.TierPolicies(tier, new ArrayList<>()));
                    }
                    applying.get(applying.size() - 1).policies().add(policy);
                }
            }
        }
        for (CompiledPolicy orphan : orphans) {
            if (orphan.appliesTo(workload.namespace(), labels)) {
                matched.add(orphan.policy());
                for (Direction direction : Direction.values()) {
                    if (orphan.policy().spec().governs(direction)) {
                        failed.put(direction, "policy " + orphan.policy().id() + " names tier '"
                                + orphan.policy().spec().tier() + "', which does not exist: all " + direction
                                + " traffic of this endpoint is dropped");
                    }
                }
            }
        }
        for (UnreadableRecord unreadable : snapshot.unreadable()) {
            for (Direction direction : Direction.values()) {
                if (unreadable.couldApplyIn(workload.namespace())
                        || unsettled(unreadable, byDirection.get(direction), workload, snapshot.profiles(), direction)) {
                    failed.merge(direction, unreadable.reason(direction), (one, other) -> one + "; " + other);
                }
            }
        }
        List<PerVersion> versions = new ArrayList<>();
        for (int version : List.of(4, 6)) {
            versions.add(chains(endpoint, snapshot, byDirection, failed, version));
        }
        return new EndpointPolicy(endpoint, labels, matched, byDirection, failed, versions);
    }

    /** Whether UNREADABLE could loosen a rule of DIRECTION of the policies (TIERS) or profiles of WORKLOAD. */
    private static boolean unsettled(UnreadableRecord unreadable, List<EndpointChains.TierPolicies> tiers,
                                     WorkloadEndpoint workload, Map<String, Profile> profiles, Direction direction) {
        for (EndpointChains.TierPolicies tier : tiers) {
            for (CompiledPolicy policy : tier.policies()) {
                if (policy.policy().spec().rules(direction).stream().anyMatch(unreadable::unsettles)) {
                    return true;
                }
            }
        }
        for (String name : workload.profileIds()) {
            Profile profile = profiles.get(name);
            if (profile != null && profile.rules(direction).stream().anyMatch(unreadable::unsettles)) {
                return true;
            }
        }
        return false;
    }

    private PerVersion chains(LocalEndpoint endpoint, PolicyInputs snapshot,
                              Map<Direction, List<EndpointChains.TierPolicies>> tiers, Map<Direction, String> failed,
                              int version) {
        String iface = endpoint.interfaceName();
        String endpointId = endpoint.endpoint().endpointId();
        List<ProgramChain> own = new ArrayList<>();
        List<CompiledChain> used = new ArrayList<>();
        Set<String> objects = new java.util.LinkedHashSet<>();
        for (Direction direction : endpoint.inFamily(version) ? List.of(Direction.values()) : List.<Direction>of()) {
            String name = direction == Direction.INBOUND ? DataplaneNames.toEndpoint(iface) : DataplaneNames.fromEndpoint(iface);
            // an isolated endpoint (admin-down) drops everything both ways whatever selects it; its status says so
            // (Agent), not failed
            java.util.Optional<String> isolation = endpoint.endpoint().isolation();
            if (isolation.isPresent()) {
                own.add(EndpointChains.isolated(name, endpointId, direction, isolation.get()));
                continue;
            }
            String reason = failed.get(direction);
            if (reason != null) {
                own.add(EndpointChains.failedClosed(name, endpointId, direction, reason));
                continue;
            }
            for (EndpointChains.TierPolicies tier : tiers.get(direction)) {
                tier.policies().forEach(policy -> used.add(policy.chain(direction, version)));
            }
            for (String profile : endpoint.endpoint().profileIds()) {
                used.add(profiles.get(new ProfileKey(profile, snapshot.profiles().get(profile))).chain(direction, version));
            }
            List<String> profileIds = endpoint.endpoint().profileIds();
            if (endpoint.identifiedByAddress(version)) {
                CompiledChain shared = sharedChains.get(EndpointChains.sharedKey(direction, tiers.get(direction), profileIds,
                        logDrops));
                used.add(shared);
                own.add(EndpointChains.entering(name, shared.chain().name(), direction));
            } else {
                own.add(EndpointChains.own(name, endpointId, direction, tiers.get(direction), profileIds, logDrops));
            }
        }
        own.forEach(chain -> objects.add(chain.name()));
        used.forEach(chain -> objects.addAll(chain.objects(version)));
        return new PerVersion(List.copyOf(own), List.copyOf(used), new Concerns.Owned(iface, List.copyOf(objects)));
    }

    /** The drivers' hold sets (LocalTables.held), empty: a driver fills them only while it writes a change. */
    private static final Map<String, IpSetSpec> HOLD_SETS = Map.of(
            HostState.holdSet(4), new IpSetSpec(HostState.holdSet(4), 4, Set.of()),
            HostState.holdSet(6), new IpSetSpec(HostState.holdSet(6), 6, Set.of()));

    private static Map<String, IpSetSpec> poolSets(List<IpPool> pools) {
        Map<String, IpSetSpec> sets = new TreeMap<>();
        for (int version : List.of(4, 6)) {
            Set<String> all = new TreeSet<>();
            Set<String> nat = new TreeSet<>();
            for (IpPool pool : pools) {
                if (pool.cidr().version() == version) {
                    all.add(pool.cidr().toString());
                    if (pool.natOutgoing()) {
                        nat.add(pool.cidr().toString());
                    }
                }
            }
            sets.put(DataplaneNames.allPoolsSet(version), new IpSetSpec(DataplaneNames.allPoolsSet(version), version, all));
            sets.put(DataplaneNames.natPoolsSet(version), new IpSetSpec(DataplaneNames.natPoolsSet(version), version, nat));
        }
        return sets;
    }
}
