package org.jcalico.felix;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.model.Cidr;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.Policy;
import org.jcalico.model.PolicySpec;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The incremental path run in memory after the first programming, so that the first real change after a start does
 * not run it for the first time. An agent's first programming calculates and plans everything from nothing; the first
 * endpoint added after it ran code nothing had run yet (the local selection's insertion, the tables' and dispatch
 * trees' changes, the renderer's walk against its last result, the planner's insertions), interpreted until the JIT
 * compiled it: 40-45 ms against 20 for the next adds at 1,000 endpoints, quiet (docs/dataplane.md, "Where a change's
 * time goes"); the first policy changed after a start likewise ran its own path cold (the changed policy compiled, the
 * kept endpoints' policies checked against it, its chain replaced and planned). A rehearsal round calculates the
 * snapshot with one stand-in local endpoint more, then the snapshot with one of its policies changed, and plans each
 * state's rules against what the drivers last wrote ({@link Dataplane#rehearse}: nothing is written, nothing reaches
 * the kernel), then calculates the snapshot itself again, which leaves calc as a calculation of that snapshot leaves it
 * (a calculation's result is the same whatever came before it). The stand-in has addresses of the documentation
 * ranges, no labels and no profiles, and an interface no local endpoint has: it takes part in both families, and in no
 * tag set. The changed policy is the first one with a rule, without its first rule ({@link #changedPolicy}).
 */
public final class IncrementalRehearsal {
    /**
     * Rounds: enough for the JIT to compile the once-per-change code of the path (measured: docs/dataplane.md); 48, paired
     * against 12 in session 36, cost the start 0.4-0.5 s more and gave the first adds nothing measurable.
     */
    static final int ROUNDS = 12;
    private static final Cidr IPV4 = Cidr.parse("192.0.2.1/32");
    private static final Cidr IPV6 = Cidr.parse("2001:db8::1/128");

    private IncrementalRehearsal() {
    }

    /**
     * Runs the rounds, each a stand-in added and taken away again, until they are done or STOP says a change waits
     * (the rehearsal never delays a real change by more than one round). Returns the rounds run; none when the
     * interface prefix leaves no name for a stand-in. The last calculation is always of SNAPSHOT.
     */
    public static int run(Snapshot snapshot, Function<Snapshot, HostState> calculate, Dataplane dataplane,
                          BooleanSupplier stop) {
        WorkloadEndpoint standIn = standIn(snapshot);
        if (standIn == null) {
            return 0;
        }
        List<WorkloadEndpoint> endpoints = new ArrayList<>(snapshot.endpoints().size() + 1);
        endpoints.addAll(snapshot.endpoints());
        endpoints.add(standIn);
        Snapshot withStandIn = new Snapshot(snapshot.node(), snapshot.config(), endpoints, snapshot.profiles(),
                snapshot.pools(), snapshot.localBlocks(), snapshot.nodes(), snapshot.peers(), snapshot.bgp(),
                snapshot.tiers(), snapshot.policies(), snapshot.networkSets(), snapshot.namespaces(), null,
                snapshot.unreadableRecords());
        Snapshot withChangedPolicy = withChangedPolicy(snapshot);
        int rounds = 0;
        while (rounds < ROUNDS && !stop.getAsBoolean()) {
            try {
                dataplane.rehearse(calculate.apply(withStandIn));
                if (withChangedPolicy != null) {
                    dataplane.rehearse(calculate.apply(withChangedPolicy));
                }
            } finally {
                dataplane.rehearse(calculate.apply(snapshot));
            }
            rounds++;
        }
        return rounds;
    }

    /** SNAPSHOT with {@link #changedPolicy} in place of its policy; null when no policy has a rule. */
    static Snapshot withChangedPolicy(Snapshot snapshot) {
        List<Policy> policies = new ArrayList<>(snapshot.policies());
        for (int i = 0; i < policies.size(); i++) {
            Policy changed = changedPolicy(policies.get(i));
            if (changed != null) {
                policies.set(i, changed);
                return snapshot.withPolicy(snapshot.tiers(), policies, snapshot.networkSets(), snapshot.namespaces());
            }
        }
        return null;
    }

    /**
     * POLICY without its first ingress rule (its first egress rule when it has no ingress rule), the same endpoints,
     * tier, order and directions: a change of the kind a user makes, whose path (compiled again, its chain replaced) is
     * the one rehearsed; null when the policy has no rule.
     */
    static Policy changedPolicy(Policy policy) {
        PolicySpec spec = policy.spec();
        if (spec.ingress().isEmpty() && spec.egress().isEmpty()) {
            return null;
        }
        boolean ingress = !spec.ingress().isEmpty();
        PolicySpec changed = new PolicySpec(spec.tier(), spec.order(), spec.selector(), spec.namespaceSelector(),
                spec.types(), ingress ? withoutFirst(spec.ingress()) : spec.ingress(),
                ingress ? spec.egress() : withoutFirst(spec.egress()));
        return switch (policy) {
            case NetworkPolicy namespaced -> new NetworkPolicy(namespaced.metadata(), changed);
            case GlobalNetworkPolicy global -> new GlobalNetworkPolicy(global.metadata(), changed);
        };
    }

    private static List<Rule> withoutFirst(List<Rule> rules) {
        return rules.subList(1, rules.size());
    }

    /** A local endpoint on an interface no local endpoint has, with the prefix; null when no such name fits. */
    static WorkloadEndpoint standIn(Snapshot snapshot) {
        String prefix = snapshot.config().interfacePrefix() == null ? "" : snapshot.config().interfacePrefix();
        Set<String> taken = snapshot.localEndpoints().stream().map(WorkloadEndpoint::interfaceName)
                .collect(Collectors.toSet());
        for (int i = 0; i < 100; i++) {
            String name = prefix + "rehearse" + i;
            if (name.length() > 15) {
                return null;
            }
            if (!taken.contains(name)) {
                return new WorkloadEndpoint(snapshot.node(), null, "jcalico-rehearsal", "jcalico-rehearsal", name, null,
                        List.of(IPV4), List.of(IPV6), List.of(), null, null, null, null, null);
            }
        }
        return null;
    }
}
