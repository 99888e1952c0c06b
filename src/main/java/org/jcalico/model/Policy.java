package org.jcalico.model;

/** What calc needs of either kind of policy: its spec, and its namespace (null for a global policy). */
public sealed interface Policy permits GlobalNetworkPolicy, NetworkPolicy {
    Metadata metadata();

    PolicySpec spec();

    String namespace();

    /** Unique among all policies of both kinds, e.g. "GlobalNetworkPolicy/deny-db" or "NetworkPolicy/prod/web". */
    default String id() {
        return ((Resource) this).kind() + "/" + ((Resource) this).name();
    }
}
