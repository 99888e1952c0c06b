package org.jcalico.metrics;

import java.util.HashSet;
import java.util.Set;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.program.Origin;

/**
 * What a desired host state holds, as the metrics count it: the policies and profiles that apply to at least one
 * local endpoint (an endpoint chain jumps into them, in either IP family), the ipsets and their members. Worked out
 * when Prometheus scrapes, not on every change: it walks every rule's origin.
 */
record HostCounts(int policies, int profiles, int ipSets, long ipSetMembers) {
    static final HostCounts NONE = new HostCounts(0, 0, 0, 0);

    static HostCounts of(HostState state) {
        Set<String> policies = new HashSet<>();
        Set<String> profiles = new HashSet<>();
        for (IptablesState family : new IptablesState[] {state.ipv4(), state.ipv6()}) {
            for (var table : family.tables().values()) {
                for (Chain chain : table.values()) {
                    for (Origin origin : chain.origins()) {
                        switch (origin) {
                            case Origin.PolicyEntry entry -> policies.add(entry.policy());
                            case Origin.ProfileEntry entry -> profiles.add(entry.profile());
                            default -> { }
                        }
                    }
                }
            }
        }
        long members = state.ipSets().values().stream().mapToLong(set -> set.members().size()).sum();
        return new HostCounts(policies.size(), profiles.size(), state.ipSets().size(), members);
    }
}
