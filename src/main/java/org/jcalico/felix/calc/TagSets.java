package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Ipv4Member;

/**
 * The ipset of each tag that a local rule uses, per IP family: the addresses of every endpoint in the cluster whose
 * profiles carry the tag. With tens of thousands of endpoints, rebuilding these sets on every change would be most of
 * the agent's work, so they are kept between calculations and adjusted by the endpoints that came and went (an
 * endpoint that changed is a new object: one gone, one come). A change of profiles or of the tags in use rebuilds
 * them. Sets nobody added to or removed from are handed out again as the same objects, which lets the ipset driver
 * skip them without comparing their members; a changed one says what changed (CountedMembers).
 */
final class TagSets {
    private Map<String, Profile> profiles = Map.of();
    private Set<String> usedTags = Set.of();
    /** The endpoints counted, in the caller's order (see ListChanges). */
    private List<WorkloadEndpoint> counted = List.of();
    /** Per set: its members, counted (see CountedMembers). */
    private final Map<SetName, CountedMembers> contributions = new HashMap<>();
    /**
     * Per tag in use: its IPv4 and its IPv6 set's counts. Counting looks a tag's sets up here: naming them (a hash of
     * the tag where it is long) and looking the name up again for each of an endpoint's tags was a third of the first
     * calculation of 100,000 endpoints.
     */
    private final Map<String, CountedMembers[]> byTag = new HashMap<>();
    /** The endpoints' comparison, shared with the calculation's other walks of them (ListChanges.Shared). */
    private final ListChanges.Shared endpointChanges;

    TagSets(ListChanges.Shared endpointChanges) {
        this.endpointChanges = endpointChanges;
    }

    Map<String, IpSetSpec> calculate(List<WorkloadEndpoint> endpoints, Map<String, Profile> profiles,
                                     Set<String> usedTags) {
        if (!profiles.equals(this.profiles) || !usedTags.equals(this.usedTags)) {
            this.profiles = profiles;
            this.usedTags = Set.copyOf(usedTags);
            counted = List.of();
            contributions.clear();
            byTag.clear();
            usedTags.forEach(tag -> {
                CountedMembers[] sets = new CountedMembers[2];
                List.of(4, 6).forEach(version -> {
                    String name = DataplaneNames.tagSet(tag, version);
                    sets[version == 4 ? 0 : 1] = new CountedMembers(name, 0, version == 4);
                    contributions.put(new SetName(name, version), sets[version == 4 ? 0 : 1]);
                });
                byTag.put(tag, sets);
            });
        }
        if (contributions.isEmpty()) {
            // no tag in use (the common case): nothing to count, and comparing 100,000 endpoints was a tenth of a change
            return new HashMap<>();
        }
        List<WorkloadEndpoint> added = new ArrayList<>();
        List<WorkloadEndpoint> gone = new ArrayList<>();
        endpointChanges.compare(counted, endpoints, added, gone);
        // a copy, unless it is immutable already (as a snapshot's list is): a caller's list may change in place
        counted = List.copyOf(endpoints);
        gone.forEach(endpoint -> count(endpoint, -1));
        added.forEach(endpoint -> count(endpoint, 1));

        Map<String, IpSetSpec> result = new HashMap<>();
        contributions.forEach((set, members) -> result.put(set.name(), members.spec(IpSetSpec.Type.NET, set.version())));
        return result;
    }

    /** Counts the endpoint's addresses in each set of its profiles' tags in use, its addresses' values made once. */
    private void count(WorkloadEndpoint endpoint, int delta) {
        long[] ipv4 = null;
        List<String> ipv6 = null;
        for (String profileName : endpoint.profileIds()) {
            Profile profile = profiles.get(profileName);
            if (profile == null) {
                continue;
            }
            for (String tag : profile.tags()) {
                CountedMembers[] sets = byTag.get(tag);
                if (sets != null) {
                    if (ipv4 == null) {
                        ipv4 = codes(endpoint.ipv4Nets());
                        ipv6 = texts(endpoint.ipv6Nets());
                    }
                    sets[0].count(ipv4, delta);
                    sets[1].count(ipv6, delta);
                }
            }
        }
    }

    private static long[] codes(List<Cidr> nets) {
        long[] codes = new long[nets.size()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = Ipv4Member.net(nets.get(i).network().ipv4(), nets.get(i).prefixLength());
        }
        return codes;
    }

    private static List<String> texts(List<Cidr> nets) {
        return switch (nets.size()) {
            case 0 -> List.of();
            case 1 -> List.of(nets.getFirst().toString());
            default -> nets.stream().map(Cidr::toString).toList();
        };
    }

    /** Written out for the reason of {@code EndpointLabels.Source}'s: hashed once per tag set of a cold calculation. */
    private record SetName(String name, int version) {
        @Override
        public boolean equals(Object other) {
            return other instanceof SetName that && version == that.version && Objects.equals(name, that.name);
        }

        @Override
        public int hashCode() {
            return 31 * Objects.hashCode(name) + version;
        }
    }
}
