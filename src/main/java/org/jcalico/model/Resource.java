package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * Everything jcalico stores. The JSON/YAML form of each is its record components plus a "kind" field; that form is
 * jcalico's public API (see docs/resources.md).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Node.class, name = Node.KIND),
        @JsonSubTypes.Type(value = IpPool.class, name = IpPool.KIND),
        @JsonSubTypes.Type(value = IpamBlock.class, name = IpamBlock.KIND),
        @JsonSubTypes.Type(value = Profile.class, name = Profile.KIND),
        @JsonSubTypes.Type(value = WorkloadEndpoint.class, name = WorkloadEndpoint.KIND),
        @JsonSubTypes.Type(value = EndpointStatus.class, name = EndpointStatus.KIND),
        @JsonSubTypes.Type(value = BgpPeer.class, name = BgpPeer.KIND),
        @JsonSubTypes.Type(value = BgpConfiguration.class, name = BgpConfiguration.KIND),
        @JsonSubTypes.Type(value = FelixConfiguration.class, name = FelixConfiguration.KIND),
        @JsonSubTypes.Type(value = Tier.class, name = Tier.KIND),
        @JsonSubTypes.Type(value = GlobalNetworkPolicy.class, name = GlobalNetworkPolicy.KIND),
        @JsonSubTypes.Type(value = NetworkPolicy.class, name = NetworkPolicy.KIND),
        @JsonSubTypes.Type(value = GlobalNetworkSet.class, name = GlobalNetworkSet.KIND),
        @JsonSubTypes.Type(value = NetworkSet.class, name = NetworkSet.KIND),
        @JsonSubTypes.Type(value = Namespace.class, name = Namespace.KIND),
        @JsonSubTypes.Type(value = KubernetesNetworkPolicy.class, name = KubernetesNetworkPolicy.KIND),
})
public sealed interface Resource permits Node, IpPool, IpamBlock, Profile, WorkloadEndpoint, EndpointStatus, BgpPeer,
        BgpConfiguration, FelixConfiguration, Tier, GlobalNetworkPolicy, NetworkPolicy, GlobalNetworkSet, NetworkSet, Namespace,
        KubernetesNetworkPolicy {

    /** The kind's name as it appears in files and in the "kind" field. */
    String kind();

    /** What a user types after the kind to name this resource ("jcalico get ippool 10.0.0.0/16"). */
    String name();
}
