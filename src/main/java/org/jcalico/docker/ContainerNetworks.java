package org.jcalico.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;

/**
 * A container on several jcalico networks, pure: docker gives it one endpoint (one interface, one address) per
 * network but one default route, so traffic to a member of one network may leave through another network's interface,
 * from that interface's address. Each of the container's endpoints is therefore a member of all its networks: all
 * their profiles (its own network's first), all their membership labels, and it may send from the container's other
 * addresses (allowSpoofedSourcePrefixes), so that a reply from the address a peer asked leaves by the default route
 * too. See docs/docker.md.
 */
record ContainerNetworks(List<Member> members) {
    /** One endpoint of the container: its own network, the labels it carries for itself, its addresses. */
    record Member(String endpointId, String network, Map<String, String> labels, List<Cidr> nets) {
        /** The member an endpoint record is, whatever membership of the others it carries. */
        static Member of(WorkloadEndpoint endpoint) {
            Map<String, String> own = containerLabels(endpoint);
            String network = endpoint.profileIds().getFirst();
            own.put(NetworkDriver.NETWORK_LABEL + network, "");
            return new Member(endpoint.endpointId(), network, own, endpoint.nets());
        }
    }

    ContainerNetworks {
        members = List.copyOf(members);
    }

    /**
     * The container's labels as its ENDPOINTS (on its other networks) carry them, when they tell: every one active (an
     * isolated one waits for its labels itself) and all alike (`jcalico container label` edits them all).
     */
    static Optional<Map<String, String>> containerLabels(List<WorkloadEndpoint> endpoints) {
        if (endpoints.isEmpty() || endpoints.stream().anyMatch(endpoint -> endpoint.isolation().isPresent())) {
            return Optional.empty();
        }
        Set<Map<String, String>> carried = endpoints.stream().map(ContainerNetworks::containerLabels).collect(Collectors.toSet());
        return carried.size() == 1 ? Optional.of(carried.iterator().next()) : Optional.empty();
    }

    /** The endpoint's labels but its membership of networks: the container's own. */
    private static Map<String, String> containerLabels(WorkloadEndpoint endpoint) {
        Map<String, String> own = new TreeMap<>(endpoint.labels());
        own.keySet().removeIf(key -> key.startsWith(NetworkDriver.NETWORK_LABEL));
        return own;
    }

    List<String> profiles(Member member) {
        List<String> profiles = new ArrayList<>(List.of(member.network()));
        others(member).stream().map(Member::network).filter(network -> !profiles.contains(network)).forEach(profiles::add);
        return profiles;
    }

    Map<String, String> labels(Member member) {
        Map<String, String> labels = new TreeMap<>(member.labels());
        members.forEach(other -> labels.put(NetworkDriver.NETWORK_LABEL + other.network(), ""));
        return labels;
    }

    List<Cidr> spoofable(Member member) {
        return others(member).stream().flatMap(other -> other.nets().stream()).toList();
    }

    /** The endpoint record as this membership wants it. */
    WorkloadEndpoint apply(WorkloadEndpoint endpoint) {
        Member member = members.stream().filter(m -> m.endpointId().equals(endpoint.endpointId())).findFirst().orElseThrow();
        return endpoint.withMembership(profiles(member), labels(member), spoofable(member));
    }

    private List<Member> others(Member member) {
        return members.stream().filter(other -> !other.endpointId().equals(member.endpointId())).toList();
    }
}
