package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The ipset of each tag that a local rule uses, per IP family: the addresses of every endpoint in the cluster whose
 * profiles carry the tag. With tens of thousands of endpoints, rebuilding these sets on every change would be most of
 * the agent's work, so they are kept between calculations and adjusted by the endpoints that came and went (an
 * endpoint that changed is a new object: one gone, one come). A change of profiles or of the tags in use rebuilds
 * them. Sets nobody added to or removed from are handed out again as the same objects, which lets the ipset driver
 * skip them without comparing their members.
 */
final class TagSets {
    private Map<String, Profile> profiles = Map.of();
    private Set<String> usedTags = Set.of();
    /** The endpoints counted, in the caller's order (see ListChanges). */
    private List<WorkloadEndpoint> counted = List.of();
    /** Per set: how many counted endpoints contribute each member (two endpoints may share an address). */
    private final Map<SetName, Map<String, Integer>> contributions = new HashMap<>();
    private Map<String, IpSetSpec> sets = Map.of();

    Map<String, IpSetSpec> calculate(List<WorkloadEndpoint> endpoints, Map<String, Profile> profiles,
                                     Set<String> usedTags) {
        if (!profiles.equals(this.profiles) || !usedTags.equals(this.usedTags)) {
            this.profiles = profiles;
            this.usedTags = Set.copyOf(usedTags);
            counted = List.of();
            contributions.clear();
            usedTags.forEach(tag -> List.of(4, 6).forEach(version ->
                    contributions.put(new SetName(DataplaneNames.tagSet(tag, version), version), new HashMap<>())));
            sets = Map.of();
        }
        Set<SetName> touched = new HashSet<>();
        List<WorkloadEndpoint> added = new ArrayList<>();
        List<WorkloadEndpoint> gone = new ArrayList<>();
        ListChanges.compare(counted, endpoints, added, gone);
        // a copy, unless it is immutable already (as a snapshot's list is): a caller's list may change in place
        counted = List.copyOf(endpoints);
        gone.forEach(endpoint -> count(endpoint, -1, touched));
        added.forEach(endpoint -> count(endpoint, 1, touched));

        Map<String, IpSetSpec> result = new TreeMap<>();
        contributions.forEach((set, members) -> {
            IpSetSpec previous = sets.get(set.name());
            result.put(set.name(), previous != null && !touched.contains(set) ? previous
                    : new IpSetSpec(set.name(), set.version(), members.keySet()));
        });
        sets = result;
        return new TreeMap<>(result);
    }

    private void count(WorkloadEndpoint endpoint, int delta, Set<SetName> touched) {
        for (String profileName : endpoint.profileIds()) {
            Profile profile = profiles.get(profileName);
            if (profile == null) {
                continue;
            }
            for (String tag : profile.tags()) {
                if (usedTags.contains(tag)) {
                    count(new SetName(DataplaneNames.tagSet(tag, 4), 4), endpoint.ipv4Nets(), delta, touched);
                    count(new SetName(DataplaneNames.tagSet(tag, 6), 6), endpoint.ipv6Nets(), delta, touched);
                }
            }
        }
    }

    private void count(SetName set, List<Cidr> nets, int delta, Set<SetName> touched) {
        Map<String, Integer> members = contributions.get(set);
        for (Cidr net : nets) {
            members.merge(net.toString(), delta, (a, b) -> a + b == 0 ? null : a + b);
            touched.add(set);
        }
    }

    private record SetName(String name, int version) {
    }
}
