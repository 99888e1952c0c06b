package org.jcalico.policy;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jcalico.model.LabelledNets;
import org.jcalico.model.Namespace;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The labels a selector sees on an endpoint, computed as Calico computes them (docs/resources.md, "Labels a
 * selector sees"): the endpoint's own labels, with projectcalico.org/namespace and projectcalico.org/orchestrator
 * set over them; then, for keys the endpoint does not have, its parents' labels, the first parent that has a key
 * deciding: first its namespace (each of the Namespace's labels under "pcns.", and pcns.projectcalico.org/name), as
 * Calico's per-namespace profile comes first, then its profiles' labelsToApply in the endpoint's profile order.
 */
public final class EndpointLabels {
    public static final String NAMESPACE = "projectcalico.org/namespace";
    public static final String ORCHESTRATOR = "projectcalico.org/orchestrator";
    /** The prefix under which a namespace's labels reach its endpoints, for namespaceSelector. */
    public static final String NAMESPACE_PREFIX = org.jcalico.model.LabelRules.NAMESPACE_PREFIX;
    /** The namespace's own name, as a namespaceSelector can test it. */
    public static final String NAMESPACE_NAME = NAMESPACE_PREFIX + "projectcalico.org/name";

    private EndpointLabels() {
    }

    /**
     * The effective labels of ENDPOINT. Profiles and namespaces it names but the maps lack (not yet seen, or
     * deleted) contribute nothing but the namespace's name.
     */
    public static SortedMap<String, String> effective(WorkloadEndpoint endpoint, Map<String, Profile> profiles,
                                                      Map<String, Namespace> namespaces) {
        return effective(Source.of(endpoint), profiles, namespaces);
    }

    /**
     * What of an endpoint its effective labels depend on: endpoints with equal sources have equal effective labels
     * (under the same profiles and namespaces), so a caller labelling 100,000 endpoints of a few hundred kinds can
     * work them out once per kind (the merge into a sorted map, with a prefixed key per namespace label, was most of
     * it).
     */
    public record Source(Map<String, String> labels, String namespace, String orchestrator, List<String> profileIds) {
        public static Source of(WorkloadEndpoint endpoint) {
            return new Source(endpoint.labels(), endpoint.namespace(), endpoint.orchestrator(), endpoint.profileIds());
        }

        // Written out, with the generated ones' meaning, because a cold agent's first calculation hashes and compares a
        // Source per endpoint (SelectorSets' kinds): the generated methods are bootstrapped at first use and then run
        // as method-handle chains, interpreted until compiled, which was a seventh of that calculation's CPU
        // (docs/dataplane.md, "Session 60 (p-cold)").
        @Override
        public boolean equals(Object other) {
            return other instanceof Source that && Objects.equals(labels, that.labels)
                    && Objects.equals(namespace, that.namespace) && Objects.equals(orchestrator, that.orchestrator)
                    && Objects.equals(profileIds, that.profileIds);
        }

        @Override
        public int hashCode() {
            return Objects.hash(labels, namespace, orchestrator, profileIds);
        }
    }

    /** The effective labels of an endpoint of SOURCE. */
    public static SortedMap<String, String> effective(Source endpoint, Map<String, Profile> profiles,
                                                      Map<String, Namespace> namespaces) {
        TreeMap<String, String> labels = new TreeMap<>(endpoint.labels());
        labels.put(NAMESPACE, endpoint.namespace());
        labels.put(ORCHESTRATOR, endpoint.orchestrator());
        namespaceParent(endpoint.namespace(), namespaces.get(endpoint.namespace())).forEach(labels::putIfAbsent);
        for (String profileId : endpoint.profileIds()) {
            Profile profile = profiles.get(profileId);
            if (profile != null) {
                profile.labels().forEach(labels::putIfAbsent);
            }
        }
        return Collections.unmodifiableSortedMap(labels);
    }

    /**
     * The labels a selector sees on a network set, by the same rule as an endpoint's: its own labels; for a
     * (namespaced) NetworkSet, projectcalico.org/namespace set over them and then its namespace's labels for keys it
     * does not have. A GlobalNetworkSet has no namespace label, which is what global() tests.
     */
    public static SortedMap<String, String> forNetworkSet(LabelledNets set, Map<String, Namespace> namespaces) {
        TreeMap<String, String> labels = new TreeMap<>(set.metadata().labels());
        if (set instanceof NetworkSet) {
            String namespace = set.metadata().namespace();
            labels.put(NAMESPACE, namespace);
            namespaceParent(namespace, namespaces.get(namespace)).forEach(labels::putIfAbsent);
        }
        return Collections.unmodifiableSortedMap(labels);
    }

    /** What Calico's per-namespace profile applies: the namespace's labels under the prefix, and its name. */
    private static Map<String, String> namespaceParent(String name, Namespace namespace) {
        Map<String, String> applied = new TreeMap<>();
        if (namespace != null) {
            namespace.labels().forEach((key, value) -> applied.put(NAMESPACE_PREFIX + key, value));
        }
        applied.put(NAMESPACE_NAME, name);
        return applied;
    }
}
