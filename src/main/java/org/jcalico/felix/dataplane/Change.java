package org.jcalico.felix.dataplane;

/** The kinds of kernel change one apply or resync counts. */
public enum Change {
    CHAINS_WRITTEN, CHAINS_DELETED, HOOKS_WRITTEN, HOOKS_REMOVED,
    SETS_WRITTEN, SETS_DELETED, SET_MEMBERS_ADDED, SET_MEMBERS_REMOVED,
    ROUTES_ADDED, ROUTES_REMOVED, INTERFACES_CONFIGURED, SYSCTLS_WRITTEN
}
